// The HTTP/1.1 request parser: an incremental decoder over a connection's unconsumed bytes that
// follows the house decoder contract ("need more data, consume nothing"). Limits on the request
// line, the header section and the declared body length are checked before the bytes are
// buffered further, and each refusal names the status RFC 9110/6585 give it (400, 413, 414, 431,
// 501, 505). It knows nothing of routes, auth or JSON; the management session decides meaning.
import LatchkeyCore

/// Size limits for one request.
public struct HTTPLimits: Sendable {
    /// Longest request line ("GET /path HTTP/1.1"), CRLF excluded; longer is 414.
    public var maxRequestLine = 8 * 1024
    /// Largest header section (every header line together); larger is 431.
    public var maxHeaderBytes = 16 * 1024
    /// Most header fields; more is 431.
    public var maxHeaderCount = 100
    /// Largest Content-Length; larger is 413 (answered before any of the body is read).
    public var maxBody = 8 * 1024 * 1024
    public init() {}
}

/// One parsed request. Header names are lower-cased; values are trimmed of spaces and tabs.
public struct HTTPRequest: Sendable {
    public var method: String
    /// The request target as sent ("/api/queues/%2F/q?columns=name").
    public var target: String
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    public var minorVersion: Int
    public var headers: [(name: String, value: String)]
    public var body: Bytes
    /// The first value of a header (name in lower case).
    public func header(_ name: String) -> String? { headers.first { $0.name == name }?.value }
    /// Whether the connection stays open after the response (HTTP/1.1 unless "close";
    /// HTTP/1.0 only with "keep-alive").
    public var keepAlive: Bool {
        let tokens = (header("connection") ?? "").lowercased().split(separator: ",").map { $0.trimmingSpaces() }
        if minorVersion == 0 { return tokens.contains("keep-alive") }
        return !tokens.contains("close")
    }
}

/// What `next` found.
public enum HTTPParseResult: Sendable {
    /// A whole request; `consumed` bytes (head and body) belong to it.
    case request(HTTPRequest, consumed: Int)
    /// Not complete yet; nothing was consumed.
    case needMoreData
    /// The bytes cannot be a valid request: answer with this status and close.
    case failure(HTTPStatus)
}

/// A resumable parser for one connection. It remembers how far it searched for the end of the
/// header section, so drip-fed bytes are scanned once (a slow client cannot make it quadratic).
public struct HTTPRequestParser: Sendable {
    public let limits: HTTPLimits
    /// Offset (in the unconsumed input) of the first line not yet searched for the blank line.
    private var searched = 0
    /// Where the request line ended, once seen.
    private var firstLineEnd = -1
    /// Parsed head of a request whose body is still arriving.
    private var pending: (request: HTTPRequest, headLength: Int, bodyLength: Int)?
    /// Set when a request with `Expect: 100-continue` waits for its body: the session sends
    /// "100 Continue" once and clears it (curl waits a second for it before sending the body).
    public var continueDue = false

    public init(limits: HTTPLimits = HTTPLimits()) { self.limits = limits }

    /// Looks for one whole request at the start of `input` (the connection's unconsumed bytes).
    public mutating func next(_ input: UnsafeRawBufferPointer) -> HTTPParseResult {
        if pending == nil {
            switch head(input) {
            case .failure(let status): return .failure(status)
            case .needMoreData: return .needMoreData
            case .request(let request, let headLength):
                switch bodyLength(of: request) {
                case .failure(let status): return .failure(status)
                case .length(let n):
                    pending = (request, headLength, n)
                    let expects = request.header("expect")?.lowercased() == "100-continue"
                    continueDue = expects && request.minorVersion == 1 && input.count - headLength < n
                }
            }
        }
        guard let (parsed, headLength, bodyLength) = pending else { return .needMoreData }
        guard input.count - headLength >= bodyLength else { return .needMoreData }
        var request = parsed
        request.body = Bytes(input[headLength..<(headLength + bodyLength)])
        pending = nil
        searched = 0
        firstLineEnd = -1
        return .request(request, consumed: headLength + bodyLength)
    }

    private enum Head {
        case request(HTTPRequest, headLength: Int)
        case needMoreData
        case failure(HTTPStatus)
    }

    /// Finds the blank line ending the head and parses what precedes it.
    private mutating func head(_ input: UnsafeRawBufferPointer) -> Head {
        // RFC 9112 §2.2: a server should ignore empty lines before the request line.
        var start = 0
        while start < input.count, input[start] == 0x0D || input[start] == 0x0A { start += 1 }
        var i = max(searched, start)
        var lineStart = i
        while i < input.count {
            if input[i] == 0x0A {
                if firstLineEnd < 0 { firstLineEnd = i }
                let lineLength = i - lineStart - (i > lineStart && input[i - 1] == 0x0D ? 1 : 0)
                if lineLength == 0 && lineStart > start {
                    return parseHead(input, from: start, to: lineStart, headLength: i + 1)
                }
                lineStart = i + 1
            }
            i += 1
        }
        // Rescanning from the last line start is enough to find a later blank line.
        searched = lineStart
        if firstLineEnd < 0 {
            if input.count - start > limits.maxRequestLine { return .failure(.uriTooLong) }
        } else if input.count - firstLineEnd > limits.maxHeaderBytes {
            return .failure(.headerFieldsTooLarge)
        }
        return .needMoreData
    }

    private func parseHead(_ input: UnsafeRawBufferPointer, from start: Int, to end: Int, headLength: Int) -> Head {
        var lines: [ArraySlice<UInt8>] = []
        var lineStart = 0
        let bytes = Bytes(input[start..<end])
        for (i, b) in bytes.enumerated() where b == 0x0A {
            var e = i
            if e > lineStart && bytes[e - 1] == 0x0D { e -= 1 }
            lines.append(bytes[lineStart..<e])
            lineStart = i + 1
        }
        guard let first = lines.first else { return .failure(.badRequest) }
        if first.count > limits.maxRequestLine { return .failure(.uriTooLong) }
        if end - start - first.count > limits.maxHeaderBytes { return .failure(.headerFieldsTooLarge) }
        if lines.count - 1 > limits.maxHeaderCount { return .failure(.headerFieldsTooLarge) }
        let parts = first.split(separator: 0x20, omittingEmptySubsequences: false)
        guard parts.count == 3, HTTPRequestParser.isToken(parts[0]), !parts[1].isEmpty,
            parts[1].allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { return .failure(.badRequest) }
        let version = Array(parts[2])
        guard version.count == 8, version.starts(with: Array("HTTP/".utf8)), version[6] == 0x2E,
            (0x30...0x39).contains(version[5]), (0x30...0x39).contains(version[7])
        else { return .failure(.badRequest) }
        guard version[5] == 0x31, version[7] <= 0x31 else { return .failure(.versionNotSupported) }
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            // Obsolete line folding and whitespace before the colon are refused (RFC 9112 §5).
            guard let colon = line.firstIndex(of: 0x3A), HTTPRequestParser.isToken(line[line.startIndex..<colon]) else {
                return .failure(.badRequest)
            }
            let value = line[(colon + 1)...]
            guard value.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else { return .failure(.badRequest) }
            let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self).lowercased()
            headers.append((name, String(decoding: value, as: UTF8.self).trimmingSpaces()))
        }
        let request = HTTPRequest(
            method: String(decoding: parts[0], as: UTF8.self), target: String(decoding: parts[1], as: UTF8.self),
            minorVersion: Int(version[7] - 0x30), headers: headers, body: [])
        if request.minorVersion == 1 && request.header("host") == nil { return .failure(.badRequest) }
        return .request(request, headLength: headLength)
    }

    private enum BodyLength {
        case length(Int)
        case failure(HTTPStatus)
    }

    /// The body length from Content-Length, checked against the limit before any body is read.
    private func bodyLength(of request: HTTPRequest) -> BodyLength {
        if request.header("transfer-encoding") != nil {
            // Chunked request bodies are not needed by the management tools; with a
            // Content-Length as well the message would be ambiguous (request smuggling).
            return request.header("content-length") == nil ? .failure(.notImplemented) : .failure(.badRequest)
        }
        let values = request.headers.filter { $0.name == "content-length" }.map(\.value)
        guard let text = values.first else { return .length(0) }
        guard values.allSatisfy({ $0 == text }), !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        else { return .failure(.badRequest) }
        // Compare digits before converting: a 30-digit length must not overflow.
        let digits = text.drop { $0 == "0" }
        guard digits.count <= 18, let n = Int(digits.isEmpty ? "0" : String(digits)) else {
            return .failure(.payloadTooLarge)
        }
        return n > limits.maxBody ? .failure(.payloadTooLarge) : .length(n)
    }

    /// RFC 9110 token characters (method and header names).
    static func isToken(_ s: ArraySlice<UInt8>) -> Bool {
        if s.isEmpty { return false }
        for c in s {
            switch c {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: continue
            case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
                UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
                continue
            default: return false
            }
        }
        return true
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        let u = Array(utf8)
        var a = 0
        var b = u.count
        while a < b, u[a] == 0x20 || u[a] == 0x09 { a += 1 }
        while b > a, u[b - 1] == 0x20 || u[b - 1] == 0x09 { b -= 1 }
        return String(decoding: u[a..<b], as: UTF8.self)
    }
}
