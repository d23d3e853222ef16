// The AMQP error model: an exception carries a reply code, RabbitMQ's "NAME - detail" text (cut
// to 255 bytes), the failing method's class/method ids and whether it closes the channel or the
// whole connection. Every close text is built by a factory here; sessions never spell codes inline.
import LatchkeyAMQP
import LatchkeyBroker
import LatchkeyCore

/// A channel or connection exception, thrown by handlers and turned into channel.close or
/// connection.close by ConnectionSession.
package struct AMQPException: Error, Equatable, Sendable {
    /// What the exception closes.
    package enum Scope: Sendable { case channel, connection }

    package let scope: Scope
    package let code: ReplyCode
    /// The full reply text, "NAME - detail", at most 255 bytes.
    package let text: Bytes
    /// The method that failed (0/0 for framing and authentication errors).
    package var classID: UInt16
    package var methodID: UInt16

    package init(scope: Scope, code: ReplyCode, detail: String, classID: UInt16 = 0, methodID: UInt16 = 0) {
        self.scope = scope
        self.code = code
        text = ShortString.truncated(code.name + " - " + detail)
        self.classID = classID
        self.methodID = methodID
    }

    /// The reply text as a String (tests, logs).
    package var textString: String { String(decoding: text, as: UTF8.self) }

    /// An exception whose scope follows the code: hard errors (320, 402, 5xx) close the
    /// connection, soft ones (403-406) the channel.
    package init(code: ReplyCode, detail: String, classID: UInt16 = 0, methodID: UInt16 = 0) {
        self.init(
            scope: code.isConnectionError ? .connection : .channel, code: code, detail: detail, classID: classID,
            methodID: methodID)
    }

    /// The same exception attributed to `method` when it names none yet (RabbitMQ fills in the
    /// method being handled).
    package func attributed(to classID: UInt16, _ methodID: UInt16) -> Self {
        guard self.classID == 0 && self.methodID == 0 else { return self }
        var e = self
        e.classID = classID
        e.methodID = methodID
        return e
    }

    /// Builds the exceptions of one reply code: `AMQPException.notFound("no queue 'q' in vhost '/'")`.
    package struct Factory: Sendable {
        let code: ReplyCode
        init(_ code: ReplyCode) { self.code = code }

        package func callAsFunction(_ detail: String, classID: UInt16 = 0, methodID: UInt16 = 0) -> AMQPException {
            AMQPException(code: code, detail: detail, classID: classID, methodID: methodID)
        }
    }

    // One factory per reply code a session raises; the name, text prefix and scope come from ReplyCode.
    package static let accessRefused = Factory(.accessRefused)
    package static let notFound = Factory(.notFound)
    package static let resourceLocked = Factory(.resourceLocked)
    package static let preconditionFailed = Factory(.preconditionFailed)
    package static let connectionForced = Factory(.connectionForced)
    package static let frameError = Factory(.frameError)
    package static let syntaxError = Factory(.syntaxError)
    package static let commandInvalid = Factory(.commandInvalid)
    package static let channelError = Factory(.channelError)
    package static let unexpectedFrame = Factory(.unexpectedFrame)
    package static let notAllowed = Factory(.notAllowed)
    package static let notImplemented = Factory(.notImplemented)
    package static let internalError = Factory(.internalError)

    /// 320 at server shutdown, RabbitMQ's exact text.
    package static let shutdown = connectionForced("broker forced connection closure with reason 'shutdown'")

    // MARK: texts used by the connection layer (RabbitMQ's wording)

    /// 403 sent (with authentication_failure_close) when a login is refused.
    static func loginRefused(mechanism: String) -> Self {
        // 403 is a channel code, but here it closes the connection (RabbitMQ does the same).
        AMQPException(
            scope: .connection, code: .accessRefused,
            detail: "Login was refused using authentication mechanism \(mechanism). For details see the broker logfile."
        )
    }
    /// 505 for a header or body frame where a method frame was due.
    static let expectedMethodFrame = unexpectedFrame("expected method frame, got non method frame instead")
    /// 505 for a non-header frame where the content header was due.
    static func expectedContentHeader(classID: UInt16, methodID: UInt16) -> Self {
        unexpectedFrame(
            "expected content header for class \(AMQPClassID.basic), got non content header frame instead",
            classID: classID, methodID: methodID)
    }
    /// 505 for a non-body frame in the middle of a content body.
    static func expectedContentBody(classID: UInt16, methodID: UInt16) -> Self {
        unexpectedFrame(
            "expected content body, got non content body frame instead", classID: classID, methodID: methodID)
    }
}

extension BrokerError {
    /// "NOT_FOUND - no queue 'q' in vhost '/'", untruncated (the management API's error reason).
    package var replyText: String { ReplyCode(rawValue: code).name + " - " + detail }
}
