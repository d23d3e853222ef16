// The AMQP error model: an exception carries a reply code, RabbitMQ's "NAME - detail" text (cut
// to 255 bytes), the failing method's class/method ids and whether it closes the channel or the
// whole connection. Every close text is built by a factory here; sessions never spell codes inline.
import LatchkeyAMQP
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

    /// A channel exception with any code.
    package static func channel(_ code: ReplyCode, _ detail: String, classID: UInt16 = 0, methodID: UInt16 = 0) -> Self {
        Self(scope: .channel, code: code, detail: detail, classID: classID, methodID: methodID)
    }

    /// A connection exception with any code.
    package static func connection(_ code: ReplyCode, _ detail: String, classID: UInt16 = 0, methodID: UInt16 = 0)
        -> Self
    {
        Self(scope: .connection, code: code, detail: detail, classID: classID, methodID: methodID)
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

    // MARK: channel exceptions (soft errors)

    /// 403, e.g. "operation not permitted on the default exchange".
    package static func accessRefused(_ detail: String, classID: UInt16 = 0, methodID: UInt16 = 0) -> Self {
        .channel(.accessRefused, detail, classID: classID, methodID: methodID)
    }
    /// 404, e.g. "no queue 'q' in vhost '/'".
    package static func notFound(_ detail: String, classID: UInt16 = 0, methodID: UInt16 = 0) -> Self {
        .channel(.notFound, detail, classID: classID, methodID: methodID)
    }
    /// 405, exclusive queue of another connection.
    package static func resourceLocked(_ detail: String, classID: UInt16 = 0, methodID: UInt16 = 0) -> Self {
        .channel(.resourceLocked, detail, classID: classID, methodID: methodID)
    }
    /// 406, e.g. "unknown delivery tag 7".
    package static func preconditionFailed(_ detail: String, classID: UInt16 = 0, methodID: UInt16 = 0) -> Self {
        .channel(.preconditionFailed, detail, classID: classID, methodID: methodID)
    }

    // MARK: connection exceptions (hard errors)

    /// 320, server shutdown.
    package static func connectionForced(_ detail: String) -> Self { .connection(.connectionForced, detail) }
    /// 320 at server shutdown, RabbitMQ's exact text.
    package static let shutdown = connectionForced("broker forced connection closure with reason 'shutdown'")
    /// 501, framing violations.
    package static func frameError(_ detail: String, classID: UInt16 = 0, methodID: UInt16 = 0) -> Self {
        .connection(.frameError, detail, classID: classID, methodID: methodID)
    }
    /// 502, undecodable arguments or field tables.
    package static func syntaxError(_ detail: String, classID: UInt16 = 0, methodID: UInt16 = 0) -> Self {
        .connection(.syntaxError, detail, classID: classID, methodID: methodID)
    }
    /// 503, e.g. "unknown exchange type 'bogus'".
    package static func commandInvalid(_ detail: String, classID: UInt16 = 0, methodID: UInt16 = 0) -> Self {
        .connection(.commandInvalid, detail, classID: classID, methodID: methodID)
    }
    /// 504, e.g. "expected 'channel.open'".
    package static func channelError(_ detail: String, classID: UInt16 = 0, methodID: UInt16 = 0) -> Self {
        .connection(.channelError, detail, classID: classID, methodID: methodID)
    }
    /// 505, frames out of sequence.
    package static func unexpectedFrame(_ detail: String, classID: UInt16 = 0, methodID: UInt16 = 0) -> Self {
        .connection(.unexpectedFrame, detail, classID: classID, methodID: methodID)
    }
    /// 506, out of resources.
    package static func resourceError(_ detail: String, classID: UInt16 = 0, methodID: UInt16 = 0) -> Self {
        .connection(.resourceError, detail, classID: classID, methodID: methodID)
    }
    /// 530, e.g. "vhost x not found", "attempt to reuse consumer tag 'a'".
    package static func notAllowed(_ detail: String, classID: UInt16 = 0, methodID: UInt16 = 0) -> Self {
        .connection(.notAllowed, detail, classID: classID, methodID: methodID)
    }
    /// 540, e.g. "immediate=true".
    package static func notImplemented(_ detail: String, classID: UInt16 = 0, methodID: UInt16 = 0) -> Self {
        .connection(.notImplemented, detail, classID: classID, methodID: methodID)
    }
    /// 541, a bug.
    package static func internalError(_ detail: String, classID: UInt16 = 0, methodID: UInt16 = 0) -> Self {
        .connection(.internalError, detail, classID: classID, methodID: methodID)
    }

    // MARK: texts used by the connection layer (RabbitMQ's wording)

    /// 403 sent (with authentication_failure_close) when a login is refused.
    static func loginRefused(mechanism: String) -> Self {
        .connection(
            .accessRefused,
            "Login was refused using authentication mechanism \(mechanism). For details see the broker logfile.")
    }
    /// 505 for a header or body frame where a method frame was due.
    static let expectedMethodFrame = unexpectedFrame("expected method frame, got non method frame instead")
    /// 505 for a non-header frame where the content header was due.
    static func expectedContentHeader(classID: UInt16, methodID: UInt16) -> Self {
        unexpectedFrame(
            "expected content header for class 60, got non content header frame instead", classID: classID,
            methodID: methodID)
    }
    /// 505 for a non-body frame in the middle of a content body.
    static func expectedContentBody(classID: UInt16, methodID: UInt16) -> Self {
        unexpectedFrame(
            "expected content body, got non content body frame instead", classID: classID, methodID: methodID)
    }
}
