// Maps one request to its endpoint: splits the target into percent-decoded path segments (so a
// vhost "/" arrives as %2F inside one segment) and query parameters, answers 404 for unknown
// paths and 405 for unknown methods before asking for credentials (RabbitMQ's order), then
// checks Basic auth and calls the endpoint. The endpoints live in Router+<Area>.swift.
import LatchkeyBroker
import LatchkeyCore
import LatchkeyHTTP

struct Router {
    let frontEnd: ManagementFrontEnd
    let request: HTTPRequest
    let client: ClientInfo
    /// Decoded path segments ("/api/queues/%2F/q" → ["api", "queues", "/", "q"]).
    let segments: [String]
    /// Decoded query parameters (the last value wins).
    var query: [String: String]
    /// The authenticated user (set once auth passed).
    var user = ""

    init(frontEnd: ManagementFrontEnd, request: HTTPRequest, client: ClientInfo) {
        self.frontEnd = frontEnd
        self.request = request
        self.client = client
        let target = request.target
        let path: Substring
        var query: [String: String] = [:]
        if let q = target.firstIndex(of: "?") {
            path = target[..<q]
            for pair in target[target.index(after: q)...].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = Router.percentDecode(kv[0], plusIsSpace: true)
                query[key] = kv.count > 1 ? Router.percentDecode(kv[1], plusIsSpace: true) : ""
            }
        } else {
            path = Substring(target)
        }
        segments = path.split(separator: "/", omittingEmptySubsequences: true).map {
            Router.percentDecode($0, plusIsSpace: false)
        }
        self.query = query
    }

    typealias Handler = (inout Router, String) -> HTTPResponse

    /// The endpoint for this path: the methods it allows, whether it needs credentials, and
    /// its handler (which receives the method, with HEAD already turned into GET).
    func resolve() -> (methods: [String], auth: Bool, handler: Handler)? {
        let s = segments
        if s.isEmpty || s == ["index.html"] { return (["GET"], true, { r, _ in r.page() }) }
        if s.count == 2 && s[0] == "static" { return (["GET"], false, { r, _ in r.asset(s[1]) }) }
        if s == ["metrics"] { return (["GET"], true, { r, _ in r.metrics(perObject: false) }) }
        if s == ["metrics", "per-object"] { return (["GET"], true, { r, _ in r.metrics(perObject: true) }) }
        guard s.first == "api" else { return nil }
        return resolveAPI(Array(s.dropFirst()))
    }

    func respond() -> HTTPResponse {
        guard let (methods, needsAuth, handler) = resolve() else { return ManagementErrors.notFound }
        var method = request.method
        if method == "HEAD" { method = "GET" }
        if method == "OPTIONS" {
            return HTTPResponse(
                status: .ok, headers: [("allow", (methods + ["HEAD", "OPTIONS"]).joined(separator: ", "))])
        }
        guard methods.contains(method) else { return ManagementErrors.methodNotAllowed(methods) }
        var r = self
        if needsAuth {
            switch frontEnd.authenticate(request.header("authorization"), fromLoopback: client.isLoopback) {
            case .user(let name): r.user = name
            case .missing: return ManagementErrors.unauthorized(ManagementErrors.loginFailed)
            case .failed: return ManagementErrors.unauthorized(ManagementErrors.loginFailed)
            case .loopbackOnly: return ManagementErrors.unauthorized(ManagementErrors.loopbackOnly)
            }
        }
        // A cross-site HTML form can POST with the browser's cached Basic credentials, but it
        // cannot send JSON: insisting on it (RabbitMQ answers 415 too) closes that CSRF path.
        // PUT and DELETE need a CORS preflight, which this listener never grants.
        if method == "POST" && !(request.header("content-type") ?? "").lowercased().hasPrefix("application/json") {
            return HTTPResponse(status: .unsupportedMediaType)
        }
        var response = handler(&r, method)
        response.headers.append(("cache-control", "no-cache"))
        return response
    }

    // MARK: helpers for endpoints

    /// 200 with a JSON body.
    func ok(_ value: JSON) -> HTTPResponse {
        HTTPResponse(status: .ok, contentType: "application/json", body: value.encoded)
    }

    /// The request body as JSON (an empty body is `{}`), or the 400 RabbitMQ sends.
    func bodyJSON() -> Result<JSON, BadBody> {
        if request.body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            return .success(.object([]))
        }
        guard let v = JSON.parse(request.body), case .object = v else { return .failure(BadBody()) }
        return .success(v)
    }

    struct BadBody: Error {}

    /// The vhost named by a path segment, or nil (the endpoint answers 404 vhost_not_found).
    func vhost(_ name: String) -> VirtualHost? { frontEnd.amqp.broker.vhost(named: Bytes(name.utf8)) }

    /// A list answer with RabbitMQ's query options applied: `sort`/`sort_reverse`, `columns`
    /// (dotted paths keep nested members) and paging (`page`, `page_size`, `name` substring
    /// filter) which wraps the items in RabbitMQ's paged object.
    func list(_ items: [JSON]) -> HTTPResponse {
        var items = items
        if let sortKey = query["sort"], !sortKey.isEmpty {
            items.sort { JSONOrder.less(Router.lookup($0, sortKey), Router.lookup($1, sortKey)) }
        }
        if query["sort_reverse"] == "true" { items.reverse() }
        let total = items.count
        if let filter = query["name"], !filter.isEmpty {
            items = items.filter { ($0["name"]?.stringValue ?? "").contains(filter) }
        }
        if let columns = query["columns"], !columns.isEmpty {
            let cols = columns.split(separator: ",").map(String.init)
            items = items.map { Router.project($0, cols) }
        }
        guard let pageText = query["page"] else { return ok(.array(items)) }
        guard let page = Int(pageText), page >= 1 else {
            return ManagementErrors.badRequest("page must be a positive integer")
        }
        let size = Int(query["page_size"] ?? "100") ?? 100
        guard (1...500).contains(size) else {
            return ManagementErrors.badRequest("page_size must be between 1 and 500")
        }
        let filtered = items.count
        let pageCount = max(1, (filtered + size - 1) / size)
        guard page <= pageCount else { return ManagementErrors.badRequest("page out of range") }
        let start = (page - 1) * size
        let slice = Array(items[start..<min(filtered, start + size)])
        return paged(slice, page: page, size: size, filtered: filtered, pageCount: pageCount, total: total)
    }

    /// RabbitMQ's paged answer around one page of items (`columns` still applies).
    func paged(_ items: [JSON], page: Int, size: Int, filtered: Int, pageCount: Int, total: Int) -> HTTPResponse {
        var slice = items
        if let columns = query["columns"], !columns.isEmpty, query["page"] == nil {
            let cols = columns.split(separator: ",").map(String.init)
            slice = slice.map { Router.project($0, cols) }
        }
        return ok(
            .object([
                ("filtered_count", .int(Int64(filtered))), ("item_count", .int(Int64(slice.count))),
                ("items", .array(slice)), ("page", .int(Int64(page))), ("page_count", .int(Int64(pageCount))),
                ("page_size", .int(Int64(size))), ("total_count", .int(Int64(total))),
            ]))
    }

    /// The value at a dotted path ("message_stats.publish").
    static func lookup(_ v: JSON, _ path: String) -> JSON? {
        var cur: JSON? = v
        for part in path.split(separator: ".") { cur = cur?[String(part)] }
        return cur
    }

    /// Only the named (possibly dotted) columns of an object, nested as in the original.
    static func project(_ v: JSON, _ columns: [String]) -> JSON {
        guard case .object(let members) = v else { return v }
        var out: [(String, JSON)] = []
        for (key, value) in members {
            let wanted = columns.filter { $0 == key || $0.hasPrefix(key + ".") }
            if wanted.isEmpty { continue }
            if wanted.contains(key) {
                out.append((key, value))
            } else {
                out.append((key, project(value, wanted.map { String($0.dropFirst(key.count + 1)) })))
            }
        }
        return .object(out)
    }

    static func percentDecode<S: StringProtocol>(_ s: S, plusIsSpace: Bool) -> String {
        let u = Array(s.utf8)
        var out = Bytes()
        out.reserveCapacity(u.count)
        var i = 0
        while i < u.count {
            let c = u[i]
            if c == 0x25, i + 2 < u.count, let h = hexValue(u[i + 1]), let l = hexValue(u[i + 2]) {
                out.append(h << 4 | l)
                i += 3
                continue
            }
            out.append(plusIsSpace && c == 0x2B ? 0x20 : c)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }

    /// RFC 3986 percent-encoding of everything but unreserved characters (binding properties
    /// keys, Location headers).
    static func percentEncode(_ s: String) -> String {
        var out = ""
        for c in s.utf8 {
            switch c {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x2E, 0x5F, 0x7E:
                out.unicodeScalars.append(Unicode.Scalar(c))
            default: out += "%" + String(JSON.hexDigit(c >> 4)) + String(JSON.hexDigit(c & 15))
            }
        }
        return out
    }
}

/// The order `sort=` uses: numbers by value, strings by bytes, missing values first.
enum JSONOrder {
    static func less(_ a: JSON?, _ b: JSON?) -> Bool {
        switch (a, b) {
        case (nil, nil): return false
        case (nil, _): return true
        case (_, nil): return false
        case (.int(let x)?, .int(let y)?): return x < y
        case (.string(let x)?, .string(let y)?): return Array(x.utf8).lexicographicallyPrecedes(Array(y.utf8))
        default: return number(a!) < number(b!)
        }
    }

    static func number(_ v: JSON) -> Double {
        switch v {
        case .int(let n): return Double(n)
        case .double(let d): return d
        case .bool(let b): return b ? 1 : 0
        default: return 0
        }
    }
}

extension JSON {
    static func hexDigit(_ v: UInt8) -> Character { Character(Unicode.Scalar(v < 10 ? 0x30 + v : 0x41 + v - 10)) }
}
