// Runs blocking work (fsync, log rewrite) on libuv's thread pool and delivers the result back
// on the loop thread, so the loop never blocks on the disk. The work closure must touch only
// what it was given (Sendable); the completion runs on the loop and may touch loop state.
import CLibUV

/// uv_queue_work with Swift closures.
public enum BackgroundWork {
    /// Runs `work` on a pool thread, then `completion(result)` on the loop thread.
    /// Throws only when libuv refuses to queue the request.
    public static func run<T: Sendable>(
        on loop: EventLoop, _ work: @escaping @Sendable () -> T, completion: @escaping (T) -> Void
    ) throws(UVError) {
        let job = Job(work: work, completion: completion)
        let req = UnsafeMutablePointer<uv_work_t>.allocate(capacity: 1)
        req.pointee.data = Unmanaged.passRetained(job as AnyJob).toOpaque()
        let rc = uv_queue_work(
            loop.raw, req,
            { req in
                guard let req, let data = req.pointee.data else { return }
                Unmanaged<AnyJob>.fromOpaque(data).takeUnretainedValue().runWork()
            },
            { req, _ in
                guard let req else { return }
                if let data = req.pointee.data {
                    let job = Unmanaged<AnyJob>.fromOpaque(data).takeRetainedValue()
                    job.complete()
                }
                req.deallocate()
            })
        if rc < 0 {
            Unmanaged<AnyJob>.fromOpaque(req.pointee.data!).release()
            req.deallocate()
            throw UVError(code: rc, operation: "uv_queue_work")
        }
    }
}

/// Type-erased job so the C callbacks need no generic context.
class AnyJob: @unchecked Sendable {
    func runWork() {}
    func complete() {}
}

/// The pool thread writes `result` once in `runWork`; libuv orders that write before
/// `complete` runs on the loop thread, which is what makes the unchecked Sendable sound.
final class Job<T: Sendable>: AnyJob, @unchecked Sendable {
    let work: @Sendable () -> T
    let completion: (T) -> Void
    var result: T?

    init(work: @escaping @Sendable () -> T, completion: @escaping (T) -> Void) {
        self.work = work
        self.completion = completion
    }

    override func runWork() { result = work() }
    override func complete() { if let result { completion(result) } }
}
