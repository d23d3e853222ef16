// The log's two environment knobs, read in one place. They are test and benchmark hooks, not
// configuration: the defaults are right for every deployment we know of, and a test needs to
// force a path (group commit on the helper thread, many tiny rewrite slices) that the defaults
// would take only on a slow disk or a big keyspace. docs/configuration.md lists them.
#if canImport(Glibc)
import Glibc
#endif

/// Knobs for Persistence, from `LATCHKEY_INLINE_FSYNC_MAX_US` and `LATCHKEY_REWRITE_SLICE_US`.
struct PersistenceTuning {
    /// Under `appendfsync always`, fsyncs whose recent average cost is below this many µs run
    /// inline on the loop; 0 sends every fsync to the helper thread (group commit). Nil keeps
    /// LogWriter's default (1000 µs).
    var inlineFsyncMaxMicros: Double?
    /// How long one rewrite snapshot slice may frame keys on the loop before yielding, in µs.
    var rewriteSliceMicros: Int64 = 1000

    init(inlineFsyncMaxMicros: Double? = nil, rewriteSliceMicros: Int64 = 1000) {
        self.inlineFsyncMaxMicros = inlineFsyncMaxMicros
        self.rewriteSliceMicros = rewriteSliceMicros
    }

    /// The knobs as the environment sets them; unset or unparsable values keep the defaults
    /// (so does a slice of 0 µs or less).
    static func fromEnvironment() -> PersistenceTuning {
        var t = PersistenceTuning()
        if let v = variable("LATCHKEY_INLINE_FSYNC_MAX_US"), let us = Double(v) { t.inlineFsyncMaxMicros = us }
        if let v = variable("LATCHKEY_REWRITE_SLICE_US"), let us = Int64(v), us > 0 { t.rewriteSliceMicros = us }
        return t
    }

    private static func variable(_ name: String) -> String? {
        guard let v = getenv(name) else { return nil }
        return String(cString: v)
    }
}
