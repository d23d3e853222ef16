// The event loop layer on a real libuv loop and real loopback sockets: timers, accept, the read
// paths (loop reads, readNow, redelivery, partial requests kept between reads), read pause and
// resume, and the write path (uv_try_write, queued writes, writes larger than the socket buffer,
// close while a write is queued).
import CLibUV
import Glibc
import LatchkeyCore
import LatchkeyLoop
import Testing

@Suite("Event loop") struct LoopTests {
    @Test("timers fire in deadline order, a repeating timer repeats, and closed timers let run() return")
    func timersInOrder() throws {
        let loop = try EventLoop()
        var fired: [String] = []
        var timers: [LoopTimer] = []
        for (name, ms) in [("c", UInt64(30)), ("a", 10), ("b", 20)] {
            let t = try LoopTimer(loop: loop) { fired.append(name) }
            t.start(afterMs: ms, repeatMs: 0)
            timers.append(t)
        }
        var ticks = 0
        var repeating: LoopTimer?
        repeating = try LoopTimer(loop: loop) {
            ticks += 1
            if ticks == 3 { repeating?.close() }
        }
        repeating?.start(afterMs: 1, repeatMs: 1)
        let closer = try LoopTimer(loop: loop) { for t in timers { t.close() } }
        closer.start(afterMs: 40, repeatMs: 0)
        // run() returns only when no active handle is left: every timer must have stopped.
        loop.run()
        closer.close()
        #expect(fired == ["a", "b", "c"])
        #expect(ticks == 3)
    }

    @Test("a stopped timer does not fire; a restarted one does") func timerStopRestart() throws {
        let loop = try EventLoop()
        var fired = 0
        let t = try LoopTimer(loop: loop) { fired += 1 }
        t.start(afterMs: 5, repeatMs: 0)
        t.stop()
        let probe = try LoopTimer(loop: loop) {}
        probe.start(afterMs: 20, repeatMs: 0)
        loop.run()
        #expect(fired == 0)
        t.start(afterMs: 1, repeatMs: 0)
        loop.run()
        #expect(fired == 1)
        t.close()
        probe.close()
        loop.run()
    }

    @Test("the before-sleep hook runs on every loop turn and does not keep the loop alive") func beforeSleep() throws {
        let loop = try EventLoop()
        var runs = 0
        let hook = try BeforeSleep(loop: loop) { runs += 1 }
        loop.run()  // nothing else is active: returns at once
        let t = try LoopTimer(loop: loop) {}
        t.start(afterMs: 1, repeatMs: 0)
        loop.run()
        t.close()
        hook.close()
        loop.run()
        #expect(runs >= 1)
    }

    @Test("a listener on port 0 reports the kernel's port and accepts a connection") func listenerAccepts() throws {
        let p = try Pair()
        #expect(p.listener.port > 0)
        #expect(p.listener.addressDescription == "127.0.0.1:\(p.listener.port)")
        let (ip, port) = p.server.peerAddress()
        #expect(ip == "127.0.0.1" && port > 0)
        #expect(p.server.localAddress().1 == p.listener.port)
        #expect(p.server.fileDescriptor >= 0)
        p.shutdown()
        #expect(p.server.fileDescriptor == -1)
    }

    @Test("binding a port in use throws a UVError naming the address") func bindInUse() throws {
        let loop = try EventLoop()
        let first = try TCPListener(loop: loop, host: "127.0.0.1", port: 0, backlog: 1) { _ in }
        #expect { _ = try TCPListener(loop: loop, host: "127.0.0.1", port: first.port, backlog: 1) { _ in } } throws: {
            e in
            // libuv sets SO_REUSEADDR, so Linux refuses at listen() rather than bind().
            (e as? UVError)?.name == "EADDRINUSE" && "\(e)".contains("127.0.0.1:\(first.port)")
        }
        first.close()
        loop.run()
    }

    @Test("bytes arrive through the loop; an unconsumed tail is kept and offered again with the next read")
    func partialRequestKept() throws {
        let p = try Pair()
        // Take only whole 4-byte "requests"; the rest must be offered again, earlier bytes first.
        p.recorder.consume = { $0.count - $0.count % 4 }
        p.server.startReading()
        p.client.send([1, 2, 3, 4, 5, 6])
        #expect(spin(p.loop, until: { p.recorder.received.count == 4 }))
        p.client.send([7, 8, 9])
        #expect(spin(p.loop, until: { p.recorder.received.count == 8 }))
        #expect(p.recorder.received == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(p.recorder.offers == [6, 5])
        p.shutdown()
    }

    @Test("pauseReading stops deliveries (back-pressure); startReading resumes them in order") func pauseResume() throws
    {
        let p = try Pair()
        p.server.startReading()
        p.client.send([1])
        #expect(spin(p.loop, until: { p.recorder.received == [1] }))
        p.server.pauseReading()
        #expect(!p.server.isReading)
        // Loopback send puts the bytes in the server's receive queue at once: a reading
        // connection would get them on the next turn.
        p.client.send([2, 3])
        turn(p.loop, 5)
        #expect(p.recorder.received == [1])
        p.server.startReading()
        #expect(spin(p.loop, until: { p.recorder.received == [1, 2, 3] }))
        p.shutdown()
    }

    @Test("the peer closing ends the stream with no error, once") func peerClose() throws {
        let p = try Pair()
        p.server.startReading()
        p.client.send([42])
        p.client.closeSocket()
        #expect(spin(p.loop, until: { !p.recorder.ends.isEmpty }))
        #expect(p.recorder.received == [42])
        #expect(p.recorder.ends.count == 1 && p.recorder.ends[0] == nil)
        #expect(!p.server.isReading)
        p.shutdown()
    }

    @Test("readNow delivers what the socket holds without running the loop, and does nothing unless reading")
    func readNow() throws {
        let p = try Pair()
        p.client.send([1, 2, 3])
        p.server.readNow()  // not reading yet
        #expect(p.recorder.offers.isEmpty)
        p.server.startReading()
        p.server.readNow()
        #expect(p.recorder.received == [1, 2, 3])
        p.server.readNow()  // nothing pending: EAGAIN, no delivery, no end
        #expect(p.recorder.offers == [3] && p.recorder.ends.isEmpty)
        // A partial left by readNow is offered again by the next loop read, earlier bytes first.
        p.recorder.consume = { $0.count >= 4 ? $0.count : 0 }
        p.client.send([4, 5])
        p.server.readNow()
        #expect(p.recorder.received == [1, 2, 3])
        p.client.send([6, 7])
        #expect(spin(p.loop, until: { p.recorder.received.count == 7 }))
        #expect(p.recorder.received == [1, 2, 3, 4, 5, 6, 7])
        p.client.closeSocket()
        p.server.readNow()
        #expect(p.recorder.ends.count == 1 && p.recorder.ends[0] == nil)
        p.shutdown()
    }

    @Test("redeliverBuffered offers kept bytes again without reading, and nothing when none are kept") func redeliver()
        throws
    {
        let p = try Pair()
        var accept = false
        p.recorder.consume = { accept ? $0.count : 0 }
        p.server.startReading()
        p.client.send([9, 8, 7])
        #expect(spin(p.loop, until: { p.recorder.offers.count == 1 }))
        #expect(p.recorder.received.isEmpty)
        accept = true
        p.server.redeliverBuffered()
        #expect(p.recorder.received == [9, 8, 7])
        p.server.redeliverBuffered()
        #expect(p.recorder.offers == [3, 3])
        p.shutdown()
    }

    @Test("a small write leaves by uv_try_write at once; nothing is queued and no drain follows") func tryWrite() throws
    {
        let p = try Pair()
        let bytes = pattern(100)
        #expect(bytes.withUnsafeBytes { p.server.write($0) } == nil)
        #expect(!p.server.isWriting && p.server.queuedWriteBytes == 0)
        var got: [UInt8] = []
        #expect(spin(p.loop, also: { p.client.drain(into: &got) }, until: { got.count == bytes.count }))
        #expect(got == bytes && p.recorder.drains == 0)
        p.shutdown()
    }

    @Test("a write larger than the socket buffers is queued, drains fully and in order behind later writes")
    func largeWriteDrains() throws {
        let p = try Pair()
        let big = pattern(8 << 20, seed: 1)
        let tail = pattern(1000, seed: 7)
        #expect(big.withUnsafeBytes { p.server.write($0) } == nil)
        // The client has not read: the kernel cannot have taken 8 MB, so the rest is queued.
        #expect(p.server.isWriting && p.server.queuedWriteBytes > 0)
        // A small write now must wait behind the queued one (no try-write overtaking it).
        #expect(tail.withUnsafeBytes { p.server.write($0) } == nil)
        #expect(p.server.queuedWriteBytes > tail.count)
        var got: [UInt8] = []
        got.reserveCapacity(big.count + tail.count)
        let done = spin(
            p.loop, also: { p.client.drain(into: &got) },
            until: { got.count == big.count + tail.count && !p.server.isWriting })
        #expect(done)
        #expect(got == big + tail)
        #expect(p.server.queuedWriteBytes == 0 && p.recorder.drains == 2)
        p.shutdown()
    }

    @Test("closing while a write is queued is safe: the write is cancelled, close is reported once, no drain")
    func closeDuringWrite() throws {
        let p = try Pair()
        let big = pattern(8 << 20)
        #expect(big.withUnsafeBytes { p.server.write($0) } == nil)
        #expect(p.server.isWriting)
        p.server.close()
        #expect(p.server.isClosing)
        // Writes after close are refused without touching the socket.
        let again = big.prefix(10).withUnsafeBytes { p.server.write($0) }
        #expect(again?.name == "ECANCELED")
        #expect(spin(p.loop, until: { p.recorder.closed }))
        turn(p.loop)
        #expect(p.recorder.drains == 0 && p.recorder.ends.isEmpty)
        #expect(p.server.queuedWriteBytes == 0)
        p.server.startReading()  // ignored once closing
        #expect(!p.server.isReading)
        p.shutdown()
    }

    @Test("acceptNow accepts a pending connection outside the loop; nil when none is pending") func acceptNow() throws {
        let loop = try EventLoop()
        let listener = try TCPListener(loop: loop, host: "127.0.0.1", port: 0, backlog: 4) { _ in
            Issue.record("the loop accepted; acceptNow should have")
        }
        #expect(listener.acceptNow() == nil)
        let client = RawClient(port: listener.port)
        let conn = try #require(listener.acceptNow())
        let r = Recorder()
        conn.delegate = r
        conn.startReading()
        client.send([5, 6])
        conn.readNow()
        #expect(r.received == [5, 6])
        conn.close()
        listener.close()
        #expect(spin(loop, until: { r.closed }))
    }

    @Test("setNoDelay and setKeepAlive succeed on a live socket; keepalive 0 leaves it off") func socketOptions() throws
    {
        let p = try Pair()
        #expect(p.server.setNoDelay() == nil)
        #expect(p.server.setKeepAlive(seconds: 300) == nil)
        #expect(p.server.setKeepAlive(seconds: 0) == nil)
        p.shutdown()
    }

    @Test("a LoopWaker called from another thread runs its callback on the loop") func waker() throws {
        let loop = try EventLoop()
        var woke = 0
        var waker: LoopWaker?
        waker = try LoopWaker(loop: loop) {
            woke += 1
            waker?.close()
        }
        let w = waker!
        var thread = pthread_t()
        let box = Unmanaged.passRetained(w)
        pthread_create(
            &thread, nil,
            { arg in
                Unmanaged<LoopWaker>.fromOpaque(arg!).takeRetainedValue().wake()
                return nil
            }, box.toOpaque())
        loop.run()  // returns once the waker has closed itself
        pthread_join(thread, nil)
        #expect(woke == 1)
    }
}
