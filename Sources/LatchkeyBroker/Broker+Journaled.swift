// A dry run of routing for the disk-trouble path: would this persistent message land in a
// journaled (durable) queue? The channel layer asks before publishing while the log cannot be
// written, so such a publish is refused instead of being accepted into memory unlogged.
// Not on the hot path: only consulted while the log reports a write error.
import LatchkeyCore

extension Broker {
    /// True when publishing `message` to `exchange` would enqueue it in at least one journaled
    /// queue (alternate exchange included). Unknown or internal exchanges answer false, so the
    /// publish itself reports them as usual. Nothing is enqueued.
    public func routesToJournaledQueue(in vhost: VirtualHost, exchange name: Bytes, message: Message) -> Bool {
        guard let ex = vhost.exchanges[name], !ex.internal else { return false }
        route(from: ex, in: vhost, message: message)
        if routeTargets.isEmpty, case .string(let ae)? = ex.arguments["alternate-exchange"],
            let alt = vhost.exchanges[ae], alt !== ex
        {
            route(from: alt, in: vhost, message: message)
        }
        let journaled = routeTargets.contains { $0.isJournaled }
        routeTargets.removeAll(keepingCapacity: true)
        return journaled
    }
}
