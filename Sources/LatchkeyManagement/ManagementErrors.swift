// The management API's error answers, with RabbitMQ's JSON bodies and status codes: 404 "Object
// Not Found", 400 "bad_request" with the broker's reason, 401 "not_authorized" with the Basic
// realm, 405 with an Allow header. Every error text the endpoints send is named here.
import LatchkeyBroker
import LatchkeyChannels
import LatchkeyCore
import LatchkeyHTTP

enum ManagementErrors {
    static let notJSON = "not_json"
    static let loginFailed = "Login failed"
    static let loopbackOnly = "User can only log in via localhost"
    static let vhostNotFound = "vhost_not_found"
    static let badAckmode = "Unknown ackmode"
    static let badEncoding = "Unknown encoding"
    static let badPayloadEncoding = "payload_encoding must be string or base64"
    static let badBase64 = "payload is not valid base64"
    static let badCount = "count must be a positive integer"
    static let deleteDefaultExchange = "cannot delete the default exchange"

    /// `{"error": error, "reason": reason}`.
    static func body(error: String, reason: String) -> Bytes {
        JSON.object([("error", .string(error)), ("reason", .string(reason))]).encoded
    }

    static func json(_ status: HTTPStatus, error: String, reason: String) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/json", body: body(error: error, reason: reason))
    }

    /// RabbitMQ's 404 for an unknown path or object.
    static var notFound: HTTPResponse { json(.notFound, error: "Object Not Found", reason: "Not Found") }

    /// 400 with a reason.
    static func badRequest(_ reason: String) -> HTTPResponse { json(.badRequest, error: "bad_request", reason: reason) }

    /// 404 with RabbitMQ's not_found shape ("vhost_not_found", "NOT_FOUND - no queue ...").
    static func notFound(_ reason: String) -> HTTPResponse { json(.notFound, error: "not_found", reason: reason) }

    /// A broker refusal: 404 for NOT_FOUND (with the AMQP text, as RabbitMQ), otherwise 400 with
    /// the detail (inequivalent arguments, not empty, in use...).
    static func broker(_ e: BrokerError) -> HTTPResponse {
        if case .notFound = e { return notFound(e.replyText) }
        return badRequest(e.detail)
    }

    /// 401 with the realm browsers and tools prompt for.
    static func unauthorized(_ reason: String) -> HTTPResponse {
        var r = json(.unauthorized, error: "not_authorized", reason: reason)
        r.headers.append(("www-authenticate", ManagementFrontEnd.realm))
        return r
    }

    /// 405 listing what the resource allows.
    static func methodNotAllowed(_ allowed: [String]) -> HTTPResponse {
        HTTPResponse(status: .methodNotAllowed, headers: [("allow", allowed.joined(separator: ", "))])
    }
}
