// The broker's errors, frame-free: each carries RabbitMQ's reply code and the detail text that
// follows "NAME - " in a close frame, nothing more. Every text the broker produces is built here;
// the code's name and whether it closes the connection are ReplyCode's (LatchkeyAMQP), applied
// where the channel layer maps BrokerError → AMQPException, in one place.
import LatchkeyCore

/// A refused broker operation. `detail` is RabbitMQ's text without the "CODE_NAME - " prefix.
public enum BrokerError: Error, Equatable, Sendable {
    /// 403 ACCESS_REFUSED.
    case accessRefused(String)
    /// 404 NOT_FOUND.
    case notFound(String)
    /// 405 RESOURCE_LOCKED.
    case resourceLocked(String)
    /// 406 PRECONDITION_FAILED.
    case preconditionFailed(String)
    /// 503 COMMAND_INVALID.
    case commandInvalid(String)
    /// 530 NOT_ALLOWED.
    case notAllowed(String)
    /// 540 NOT_IMPLEMENTED.
    case notImplemented(String)

    /// The AMQP reply code.
    public var code: UInt16 {
        switch self {
        case .accessRefused: 403
        case .notFound: 404
        case .resourceLocked: 405
        case .preconditionFailed: 406
        case .commandInvalid: 503
        case .notAllowed: 530
        case .notImplemented: 540
        }
    }

    /// The detail text (without the code name).
    public var detail: String {
        switch self {
        case .accessRefused(let t), .notFound(let t), .resourceLocked(let t), .preconditionFailed(let t),
            .commandInvalid(let t), .notAllowed(let t), .notImplemented(let t):
            t
        }
    }
}

/// The texts, named after the situation. Resource names render as RabbitMQ's `rs/1` does:
/// "queue 'q' in vhost '/'".
extension BrokerError {
    /// "queue 'q' in vhost '/'".
    package static func rs(_ kind: String, _ name: Bytes, _ vhost: Bytes) -> String {
        "\(kind) '\(name.string)' in vhost '\(vhost.string)'"
    }

    /// 404 "no queue 'q' in vhost '/'".
    package static func noQueue(_ name: Bytes, _ vhost: Bytes) -> BrokerError {
        .notFound("no " + rs("queue", name, vhost))
    }

    /// 404 "no exchange 'x' in vhost '/'".
    package static func noExchange(_ name: Bytes, _ vhost: Bytes) -> BrokerError {
        .notFound("no " + rs("exchange", name, vhost))
    }

    static func reservedName(_ kind: String, _ name: Bytes) -> BrokerError {
        .accessRefused("\(kind) name '\(name.string)' contains reserved prefix 'amq.*'")
    }

    /// 403 for declare/delete/bind on the nameless default exchange.
    package static let defaultExchange = BrokerError.accessRefused("operation not permitted on the default exchange")

    static func systemExchange(_ name: Bytes, _ vhost: Bytes) -> BrokerError {
        .accessRefused("deletion of system exchange '\(name.string)' in vhost '\(vhost.string)' not allowed")
    }

    static func internalExchange(_ name: Bytes, _ vhost: Bytes) -> BrokerError {
        .accessRefused("cannot publish to internal " + rs("exchange", name, vhost))
    }

    static func locked(_ name: Bytes, _ vhost: Bytes) -> BrokerError {
        .resourceLocked(
            "cannot obtain exclusive access to locked " + rs("queue", name, vhost)
                + ". It could be originally declared on another connection or the exclusive property value"
                + " does not match that of the original declaration.")
    }

    static func exclusiveUse(_ name: Bytes, _ vhost: Bytes) -> BrokerError {
        .accessRefused(rs("queue", name, vhost) + " in exclusive use")
    }

    static func inequivalent(
        _ arg: String, _ kind: String, _ name: Bytes, _ vhost: Bytes, received: String, current: String
    ) -> BrokerError {
        .preconditionFailed(
            "inequivalent arg '\(arg)' for " + rs(kind, name, vhost)
                + ": received \(received) but current is \(current)")
    }

    static func invalidArg(_ arg: String, _ kind: String, _ name: Bytes, _ vhost: Bytes, _ why: String) -> BrokerError {
        .preconditionFailed("invalid arg '\(arg)' for " + rs(kind, name, vhost) + ": \(why)")
    }

    /// A new durable queue or exchange while the append-only log cannot be written: refused
    /// like a persistent publish (Latchkey's choice; RabbitMQ's metadata store has no such
    /// state), so no declare-ok promises what a restart would not bring back.
    package static func unloggable(_ kind: String, _ name: Bytes, _ vhost: Bytes) -> BrokerError {
        .preconditionFailed(
            "cannot declare durable " + rs(kind, name, vhost) + ": the append-only log cannot be written")
    }

    static func inUse(_ kind: String, _ name: Bytes, _ vhost: Bytes) -> BrokerError {
        .preconditionFailed(rs(kind, name, vhost) + " in use")
    }

    static func notEmpty(_ name: Bytes, _ vhost: Bytes) -> BrokerError {
        .preconditionFailed(rs("queue", name, vhost) + " not empty")
    }

    static func unknownExchangeType(_ type: Bytes) -> BrokerError {
        .commandInvalid("unknown exchange type '\(type.string)'")
    }

    package static func reusedConsumerTag(_ tag: Bytes) -> BrokerError {
        .notAllowed("attempt to reuse consumer tag '\(tag.string)'")
    }
}
