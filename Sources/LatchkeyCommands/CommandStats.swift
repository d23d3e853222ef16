// The counters behind INFO commandstats and errorstats: per command calls, rejections by the
// gate and failed calls (a reply that is an error), and error replies by code. Times per call are
// not measured: a clock read around every command would cost more than some commands do.
import LatchkeyCore

/// One command's INFO commandstats counters.
struct CommandCounters {
    var calls: UInt64 = 0
    var rejectedCalls: UInt64 = 0
    var failedCalls: UInt64 = 0
}

extension CommandEngine {
    /// Redis stops adding new error codes to errorstats after this many (ERRORSTATS_LIMIT).
    static let errorCodeLimit = 128

    /// Counts one error reply whose text (after the `-`) starts at `start` of `bytes`: the code is
    /// its first word, as Redis's errorstat_<code>.
    func countError(_ bytes: Bytes, from start: Int) {
        context.stats.totalErrorReplies &+= 1
        var end = start
        while end < bytes.count, bytes[end] != 32, bytes[end] != 13 { end += 1 }
        let code = String(decoding: bytes[start..<end], as: UTF8.self)
        if context.stats.errorCodes[code] != nil || context.stats.errorCodes.count < CommandEngine.errorCodeLimit {
            context.stats.errorCodes[code, default: 0] &+= 1
        }
    }

    /// CONFIG RESETSTAT: the per-command counters start again.
    func resetCommandStats() { for i in commandStats.indices { commandStats[i] = CommandCounters() } }

    /// (full name, counters) of every command called or refused since the last reset.
    func usedCommands() -> [(String, CommandCounters)] {
        var out: [(String, CommandCounters)] = []
        func add(_ s: CommandSpec) {
            guard s.statsIndex >= 0, s.statsIndex < commandStats.count else { return }
            let c = commandStats[s.statsIndex]
            if c.calls > 0 || c.rejectedCalls > 0 || c.failedCalls > 0 { out.append((s.fullName, c)) }
        }
        for s in CommandTable.all {
            add(s)
            for sub in s.subcommands { add(sub) }
        }
        return out
    }
}

/// Redis's instantaneous metrics: a per-second rate sampled every 100 ms, averaged over the last
/// 16 samples (cron feeds it the running total).
struct RateSampler {
    private var samples = [Double](repeating: 0, count: 16)
    private var next = 0
    private var lastMs: Int64 = 0
    private var lastValue: UInt64 = 0

    mutating func record(_ total: UInt64, nowMs: Int64) {
        if lastMs == 0 || total < lastValue {  // first call, or CONFIG RESETSTAT
            lastMs = nowMs
            lastValue = total
            return
        }
        let elapsed = nowMs - lastMs
        guard elapsed >= 100 else { return }
        samples[next] = Double(total - lastValue) * 1000 / Double(elapsed)
        next = (next + 1) % samples.count
        lastMs = nowMs
        lastValue = total
    }

    var mean: Double { samples.reduce(0, +) / Double(samples.count) }
}

extension CommandEngine {
    /// `n` random lower-case hex digits (run_id, master_replid).
    static func randomHex(_ n: Int) -> String {
        var out = ""
        while out.count < n { out += XXH3.hex(UInt64.random(in: 0...UInt64.max)).string }
        return String(out.prefix(n))
    }
}
