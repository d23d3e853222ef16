// Output holds: the hook for `appendfsync always` group commit. The log, in its before-flush
// hook, calls holdOutput() after writing this tick's records and starts an fsync on
// BackgroundWork; every reply produced so far then waits until releaseOutput(token) is called on
// the loop thread when that fsync completes. Later output of the same client queues behind it,
// so replies never overtake the durability of the records they depend on.
import LatchkeyCore

/// Identifies one hold; releasing a token releases every earlier one too.
public struct OutputHoldToken: Sendable, Comparable {
    /// Monotonic: later holds have larger values.
    public let value: UInt64
    public static func < (a: OutputHoldToken, b: OutputHoldToken) -> Bool { a.value < b.value }
}

extension Server {
    /// Holds all output produced so far (by every client with unwritten or dirty output) until
    /// `releaseOutput` is called with the returned token. Loop thread only.
    public func holdOutput() -> OutputHoldToken {
        lastHoldToken += 1
        let token = lastHoldToken
        for outbox in context.flushQueue.pending {
            guard let client = outbox.writer as? ClientConnection else { continue }
            client.hold(token: token)
            if !client.holds.isEmpty { heldClients[client.info.id] = client }
        }
        return OutputHoldToken(value: token)
    }

    /// Releases `token` and every earlier hold, and writes what they were holding. Loop thread only.
    public func releaseOutput(_ token: OutputHoldToken) {
        guard token.value > releasedHoldToken else { return }
        releasedHoldToken = token.value
        let clients = heldClients
        heldClients = [:]
        for (id, client) in clients {
            client.flushOutbox()
            if !client.holds.isEmpty && !client.closed { heldClients[id] = client }
        }
    }

    /// Releases every hold (shutdown, after the shutdown hooks have made the log durable).
    func releaseAllOutput() {
        if lastHoldToken > releasedHoldToken { releaseOutput(OutputHoldToken(value: lastHoldToken)) }
    }
}
