// HTTP status codes and the response writer: a status line, headers and a body appended to an
// output buffer, with Content-Length always set (no chunked responses) and Connection: close
// when the session will close. Which status and which body is the caller's decision.
import LatchkeyCore

/// The statuses Latchkey sends, with their RFC 9110 reason phrases.
public struct HTTPStatus: Equatable, Sendable {
    public let code: Int
    public let reason: String
    public init(_ code: Int, _ reason: String) {
        self.code = code
        self.reason = reason
    }
    public static let ok = HTTPStatus(200, "OK")
    public static let created = HTTPStatus(201, "Created")
    public static let noContent = HTTPStatus(204, "No Content")
    public static let badRequest = HTTPStatus(400, "Bad Request")
    public static let unauthorized = HTTPStatus(401, "Unauthorized")
    public static let notFound = HTTPStatus(404, "Not Found")
    public static let methodNotAllowed = HTTPStatus(405, "Method Not Allowed")
    public static let payloadTooLarge = HTTPStatus(413, "Content Too Large")
    public static let uriTooLong = HTTPStatus(414, "URI Too Long")
    public static let unsupportedMediaType = HTTPStatus(415, "Unsupported Media Type")
    public static let headerFieldsTooLarge = HTTPStatus(431, "Request Header Fields Too Large")
    public static let internalError = HTTPStatus(500, "Internal Server Error")
    public static let notImplemented = HTTPStatus(501, "Not Implemented")
    public static let serviceUnavailable = HTTPStatus(503, "Service Unavailable")
    public static let versionNotSupported = HTTPStatus(505, "HTTP Version Not Supported")
}

/// One response, ready to be written.
public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    public var headers: [(name: String, value: String)]
    public var body: Bytes

    public init(status: HTTPStatus, headers: [(name: String, value: String)] = [], body: Bytes = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response with a content type.
    public init(status: HTTPStatus, contentType: String, body: Bytes) {
        self.init(status: status, headers: [("content-type", contentType)], body: body)
    }

    /// Appends the response to `out`. `headOnly` (HEAD) writes the headers of the full response
    /// without its body; `close` adds `connection: close`.
    public func write(into out: inout Bytes, headOnly: Bool = false, close: Bool = false) {
        var head = "HTTP/1.1 \(status.code) \(status.reason)\r\n"
        for (name, value) in headers { head += name + ": " + value + "\r\n" }
        // RFC 9110 §8.6: no Content-Length on 204.
        if status.code != 204 { head += "content-length: \(body.count)\r\n" }
        if close { head += "connection: close\r\n" }
        head += "\r\n"
        out.append(contentsOf: head.utf8)
        if !headOnly && status.code != 204 { out.append(contentsOf: body) }
    }
}
