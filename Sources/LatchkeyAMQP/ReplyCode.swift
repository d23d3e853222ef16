// AMQP 0-9-1 reply codes (RabbitMQ's constants) and their wire names, which prefix every close
// text ("NOT_FOUND - no queue 'q' in vhost '/'"). Which code a situation gets is the sessions' call.

/// A reply code carried by connection.close, channel.close and basic.return.
package struct ReplyCode: RawRepresentable, Equatable, Hashable, Sendable {
    package let rawValue: UInt16
    package init(rawValue: UInt16) { self.rawValue = rawValue }

    package static let noRoute = ReplyCode(rawValue: 312)
    package static let connectionForced = ReplyCode(rawValue: 320)
    package static let accessRefused = ReplyCode(rawValue: 403)
    package static let notFound = ReplyCode(rawValue: 404)
    package static let resourceLocked = ReplyCode(rawValue: 405)
    package static let preconditionFailed = ReplyCode(rawValue: 406)
    package static let frameError = ReplyCode(rawValue: 501)
    package static let syntaxError = ReplyCode(rawValue: 502)
    package static let commandInvalid = ReplyCode(rawValue: 503)
    package static let channelError = ReplyCode(rawValue: 504)
    package static let unexpectedFrame = ReplyCode(rawValue: 505)
    package static let notAllowed = ReplyCode(rawValue: 530)
    package static let notImplemented = ReplyCode(rawValue: 540)
    package static let internalError = ReplyCode(rawValue: 541)

    /// The name RabbitMQ puts in front of close texts ("PRECONDITION_FAILED"), and basic.return's text.
    package var name: String {
        switch rawValue {
        case 312: return "NO_ROUTE"
        case 320: return "CONNECTION_FORCED"
        case 403: return "ACCESS_REFUSED"
        case 404: return "NOT_FOUND"
        case 405: return "RESOURCE_LOCKED"
        case 406: return "PRECONDITION_FAILED"
        case 501: return "FRAME_ERROR"
        case 502: return "SYNTAX_ERROR"
        case 503: return "COMMAND_INVALID"
        case 504: return "CHANNEL_ERROR"
        case 505: return "UNEXPECTED_FRAME"
        case 530: return "NOT_ALLOWED"
        case 540: return "NOT_IMPLEMENTED"
        case 541: return "INTERNAL_ERROR"
        default: return "UNKNOWN"
        }
    }

    /// Hard errors close the connection; soft errors close only the channel (the spec's
    /// classification: 320, 402 and every 5xx are hard).
    package var isConnectionError: Bool { rawValue >= 500 || rawValue == 320 || rawValue == 402 }
}
