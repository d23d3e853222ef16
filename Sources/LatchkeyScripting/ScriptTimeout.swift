// Runaway scripts: the count hook that measures how long a script has run, lets the server serve
// other clients (-BUSY) once it passes busy-reply-threshold, and raises Redis's "Script killed by
// user with SCRIPT KILL..." error when asked to; SCRIPT KILL's answer (NOTBUSY/UNKILLABLE/OK).
// What the server does while a script is busy is its own business (the onBusy callback).
import CLua51
import LatchkeyCore

extension LuaInterpreter {
    /// SCRIPT KILL: asks the running script to stop at its next hook check.
    public func requestKill() -> ScriptKillResult {
        guard isRunning else { return .notBusy }
        if scriptWrote { return .unkillable }
        killRequested = true
        return .killed
    }

    /// SHUTDOWN NOSAVE during a busy script: stops it at its next hook check even if it has
    /// written (the server is about to exit without saving anyway).
    public func abort() { if isRunning { killRequested = true } }

    /// Milliseconds the running script has run (0 when idle).
    public var runningMs: Int64 {
        isRunning && startMicros != 0 ? (SystemClock.monotonicMicros() - startMicros) / 1000 : 0
    }

    /// The running script's name for logs (its SHA1, as Redis names it).
    public var runningScriptName: String { currentSHA.hexString }

    /// Identifies the current run (its clock start): the server's busy pump uses it to log
    /// Redis's "Slow script detected" warning once per run.
    public var runStartMicros: Int64 { startMicros }

    /// The count hook: past the busy threshold, lets the server pump other clients; raises the
    /// kill error once SCRIPT KILL asked for it.
    static let hookFunction: @convention(c) (OpaquePointer?) -> Int32 = { L in
        LuaInterpreter.from(L).busyCheck(L) ? 1 : 0
    }

    /// The hook's work, shared with long library calls (libraryStep): returns true when the
    /// script must stop, after pushing the kill error on `L`'s stack if `pushError`.
    func busyCheck(_ L: OpaquePointer?, pushError: Bool = true) -> Bool {
        let now = SystemClock.monotonicMicros()
        // The run's clock starts at its first check (one hook period, well under a millisecond,
        // after it really started), so scripts that never reach a check never read the clock.
        if startMicros == 0 { startMicros = now }
        // The threshold comes from the config: a huge value means "never busy", not a trap.
        let (thresholdMicros, overflow) = busyThresholdMs.multipliedReportingOverflow(by: 1000)
        if !killRequested && busyThresholdMs >= 0 && !overflow && now &- startMicros >= thresholdMicros {
            isBusy = true
            onBusy?()
        }
        guard killRequested else { return false }
        // Check on every instruction from now on, in this coroutine and in the main thread (which
        // new coroutines copy), so neither pcall nor coroutine.resume can swallow the error.
        lk_lua_sethook_count(L, 1)
        lk_lua_sethook_count(self.L, 1)
        if pushError { LuaInterpreter.pushString(L, ScriptErrors.killed) }
        return true
    }
}
