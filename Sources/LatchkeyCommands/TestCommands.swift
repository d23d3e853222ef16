// LATCHKEY: the test-fixture commands (CLOCK GET|ADVANCE|SET|FREEZE|RESUME, RESET, HELP).
// Refused unless `enable-test-commands` allows the client, with the wording Redis uses for
// DEBUG under `enable-debug-command`. Moving the clock reclaims whatever expired at once (keys
// here, AMQP TTLs through ServerContext.clockMovedHooks); RESET flushes every database and the
// script cache and runs the other front ends' reset hooks. docs/testing.md is the user's guide.
import LatchkeyCore
import LatchkeyKeyspace

enum TestCommands {
    static let notAllowed =
        "ERR LATCHKEY command not allowed. If the enable-test-commands option is set to \"local\", you can run it "
        + "from a local connection, otherwise you need to set this option in the configuration file, and then "
        + "restart the server."
    static let backwards = "ERR the server clock only moves forward"
    static let outOfRange = "ERR milliseconds is out of range"

    /// Whether `enable-test-commands` lets this client in; replies the refusal when it does not.
    static func allowed(_ ctx: CommandContext) -> Bool {
        switch ctx.server.config.string(.enableTestCommands) {
        case "yes": return true
        case "local" where ctx.client.info.isLoopback: return true
        default:
            ctx.reply.error(notAllowed)
            return false
        }
    }

    /// LATCHKEY CLOCK GET | ADVANCE <ms> | SET <unix-ms> | FREEZE | RESUME
    static func clock(_ ctx: CommandContext) {
        guard allowed(ctx) else { return }
        let clock = ctx.server.serverClock
        let op = ctx[2]
        if op.equalsUppercase("GET") && ctx.argc == 3 {
            ctx.reply.integer(clock.nowMs())
        } else if op.equalsUppercase("ADVANCE") && ctx.argc == 4 {
            guard let ms = ctx.int64OrReply(3) else { return }
            move(ctx, by: ms)
        } else if op.equalsUppercase("SET") && ctx.argc == 4 {
            guard let target = ctx.int64OrReply(3) else { return }
            let now = clock.nowMs()
            guard target >= now else {
                ctx.reply.error(backwards)
                return
            }
            move(ctx, by: target - now)
        } else if op.equalsUppercase("FREEZE") && ctx.argc == 3 {
            clock.freeze()
            ctx.reply.ok()
        } else if op.equalsUppercase("RESUME") && ctx.argc == 3 {
            clock.resume()
            ctx.reply.ok()
        } else if ["GET", "ADVANCE", "SET", "FREEZE", "RESUME"].contains(where: { op.equalsUppercase($0) }) {
            ctx.reply.error(ErrorReplies.arity("latchkey|clock"))
        } else {
            ctx.reply.error(ErrorReplies.unknownSubcommand(op.string, container: "latchkey"))
        }
    }

    /// Moves the clock and lets everything time-based catch up before the reply: a key whose
    /// TTL passed is gone (and journaled as deleted), an expired message is dead-lettered.
    private static func move(_ ctx: CommandContext, by ms: Int64) {
        let clock = ctx.server.serverClock
        guard ms >= 0 else {
            ctx.reply.error(backwards)
            return
        }
        guard clock.advance(by: ms) else {
            ctx.reply.error(outOfRange)
            return
        }
        ctx.server.serverClockMoved()
        ctx.engine.expireEverything()
        ctx.nowMs = ctx.server.dataNowMs
        ctx.reply.integer(clock.nowMs())
    }

    /// LATCHKEY RESET: the fresh state of a just-started server, without a restart.
    static func reset(_ ctx: CommandContext) {
        guard allowed(ctx) else { return }
        ctx.engine.resetForTests()
        ctx.reply.ok()
    }

    static let helpLines: [StaticString] = [
        "LATCHKEY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "CLOCK GET",
        "    Return the server time in Unix milliseconds.", "CLOCK ADVANCE <milliseconds>",
        "    Move the server clock forward; keys and messages whose TTL passed expire at once.",
        "CLOCK SET <unix-time-milliseconds>", "    Move the server clock forward to the given time (never backwards).",
        "CLOCK FREEZE", "    Stop the server clock; it moves only with ADVANCE or SET until RESUME.", "CLOCK RESUME",
        "    Let a frozen clock run again from where it stands.", "RESET",
        "    Flush every database and the script cache, delete every AMQP queue and exchange",
        "    that clients declared, and put the clock back on real time.", "HELP", "    Print this help.",
    ]

    /// LATCHKEY HELP (allowed even when the commands are not, so a client can discover them).
    static func help(_ ctx: CommandContext) {
        ctx.reply.arrayHeader(helpLines.count)
        for l in helpLines { ctx.reply.status(l) }
    }
}

extension CommandEngine {
    /// One unbounded active-expiry pass at the current server time (after a clock move).
    func expireEverything() {
        keyspace.activeExpireCycle(
            now: context.dataNowMs, budget: ExpiryBudget(minSlots: Int.max, tableShift: 0, maxSlots: Int.max))
        expireBlockedClients()  // blocking timeouts follow the same clock
    }

    /// LATCHKEY RESET's RESP half, then every other front end's: journaled as FLUSHALL (the
    /// AMQP side journals its deletions itself).
    public func resetForTests() {
        if journal.isEnabled { journal.append(.flushAll) }
        touchAllWatched(db: nil)
        keyspace.flushAll()
        if scriptingStarted { scripting.interpreter.flush() }
        context.serverClock.reset()
        context.refreshNow()
        for hook in context.resetHooks { hook() }
    }
}
