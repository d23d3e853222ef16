import LatchkeyCore
import LatchkeyHTTP

// `latchkey locks` and `latchkey queues`: the live page's two views as text, for a terminal,
// against a running server's management listener (rabbitmqctl list_queues and redis-cli users
// expect a command, not a browser). A small blocking HTTP/1.1 client over a plain socket: this
// runs in its own process, never on a server's loop.
#if canImport(Glibc)
import Glibc
#endif

/// The `locks` and `queues` verbs of the executable.
public enum ManagementCLI {
    struct Options {
        var host = "127.0.0.1"
        var port = 15672
        var user = "guest"
        var password = "guest"
        var vhost = "/"
        var db = 0
        var match = "*"
        var limit = 100
    }

    static let usage = """
        Usage: latchkey locks  [--host H] [--port 15672] [--user guest] [--password guest] [--db 0] [--match GLOB] [--limit 100]
               latchkey queues [--host H] [--port 15672] [--user guest] [--password guest] [--vhost /]
        """

    /// Runs a verb; returns the exit code (0 ok, 1 server or connection error, 2 usage).
    public static func run(_ verb: String, _ args: [String]) -> Int32 {
        var o = Options()
        var i = 0
        while i < args.count {
            guard i + 1 < args.count else { return fail(usage, code: 2) }
            let value = args[i + 1]
            switch args[i] {
            case "--host", "-h": o.host = value
            case "--port", "-p":
                guard let p = Int(value), (1...65535).contains(p) else { return fail(usage, code: 2) }
                o.port = p
            case "--user", "-u": o.user = value
            case "--password": o.password = value
            case "--vhost": o.vhost = value
            case "--db":
                guard let d = Int(value), d >= 0 else { return fail(usage, code: 2) }
                o.db = d
            case "--match": o.match = value
            case "--limit":
                guard let l = Int(value), l >= 1 else { return fail(usage, code: 2) }
                o.limit = l
            default: return fail(usage, code: 2)
            }
            i += 2
        }
        return verb == "locks" ? locks(o) : queues(o)
    }

    static func locks(_ o: Options) -> Int32 {
        var cursor: Int64 = 0
        var rows: [[String]] = [["key", "ttl", "value"]]
        repeat {
            let path =
                "/api/latchkey/locks?db=\(o.db)&count=\(min(o.limit, 1000))&cursor=\(cursor)&match=" + escape(o.match)
            guard case .success(let page) = get(o, path) else { return 1 }
            for l in page["locks"]?.arrayValue ?? [] where rows.count <= o.limit {
                let ttl = l["ttl_ms"]?.intValue ?? 0
                rows.append([
                    l["key"]?.stringValue ?? "", "\(ttl / 1000).\(String(ttl % 1000 + 1000).dropFirst())s",
                    l["value"]?.stringValue ?? "(" + (l["type"]?.stringValue ?? "?") + ")",
                ])
            }
            cursor = page["cursor"]?.intValue ?? 0
        } while cursor != 0 && rows.count <= o.limit
        say("Listing locks (keys with a TTL) in db \(o.db) ...")
        say(table(rows))
        return 0
    }

    static func queues(_ o: Options) -> Int32 {
        let path = "/api/queues/" + escape(o.vhost) + "?columns=name,messages_ready,messages_unacknowledged,consumers"
        guard case .success(let list) = get(o, path) else { return 1 }
        var rows: [[String]] = [["name", "messages_ready", "messages_unacknowledged", "consumers"]]
        for q in list.arrayValue ?? [] {
            rows.append(
                [q["name"]?.stringValue ?? ""]
                    + ["messages_ready", "messages_unacknowledged", "consumers"].map { String(q[$0]?.intValue ?? 0) })
        }
        say("Listing queues for vhost \(o.vhost) ...")
        say(table(rows))
        return 0
    }

    /// Tab-separated rows, as rabbitmqctl prints them.
    static func table(_ rows: [[String]]) -> String { rows.map { $0.joined(separator: "\t") }.joined(separator: "\n") }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s.utf8 {
            switch c {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x2E, 0x5F, 0x7E, 0x2A:
                out.unicodeScalars.append(Unicode.Scalar(c))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(UnicodeScalar(hex[Int(c >> 4)])) + String(UnicodeScalar(hex[Int(c & 15)]))
            }
        }
        return out
    }

    struct Failed: Error {}

    /// GET `path` with Basic auth; prints the reason and fails on anything but 200 JSON.
    static func get(_ o: Options, _ path: String) -> Result<JSON, Failed> {
        let auth = Base64.encode(Bytes((o.user + ":" + o.password).utf8))
        let request =
            "GET \(path) HTTP/1.1\r\nHost: \(o.host)\r\nAuthorization: Basic \(auth)\r\nConnection: close\r\n\r\n"
        guard let raw = exchange(o.host, o.port, Bytes(request.utf8)) else {
            _ = fail("latchkey: cannot connect to the management listener at \(o.host):\(o.port)", code: 1)
            return .failure(Failed())
        }
        let text = String(decoding: raw, as: UTF8.self)
        guard let headEnd = find(raw, Bytes("\r\n\r\n".utf8)) else {
            _ = fail("latchkey: malformed answer from \(o.host):\(o.port)", code: 1)
            return .failure(Failed())
        }
        let body = Bytes(raw[(headEnd + 4)...])
        guard text.hasPrefix("HTTP/1.1 200") else {
            // The status line, from the bytes: "\r\n" is one Character in Swift strings.
            let status = String(decoding: raw.prefix { $0 != 0x0D }, as: UTF8.self)
            let reason = JSON.parse(body)?["reason"]?.stringValue ?? ""
            _ = fail("latchkey: \(status) \(reason)", code: 1)
            return .failure(Failed())
        }
        guard let json = JSON.parse(body) else {
            _ = fail("latchkey: the answer is not JSON", code: 1)
            return .failure(Failed())
        }
        return .success(json)
    }

    static func find(_ hay: Bytes, _ needle: Bytes) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
        return nil
    }

    /// Connects (IPv4 or IPv6 literal, or "localhost"), sends, reads until the server closes.
    static func exchange(_ host: String, _ port: Int, _ request: Bytes) -> Bytes? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { return nil }
        defer { freeaddrinfo(list) }
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let ai = node {
            let fd = socket(ai.pointee.ai_family, ai.pointee.ai_socktype, ai.pointee.ai_protocol)
            if fd >= 0 {
                defer { close(fd) }
                if connect(fd, ai.pointee.ai_addr, ai.pointee.ai_addrlen) == 0 {
                    var sent = 0
                    while sent < request.count {
                        let n = request[sent...].withUnsafeBytes {
                            send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                        }
                        if n <= 0 { return nil }
                        sent += n
                    }
                    var out = Bytes()
                    var buf = [UInt8](repeating: 0, count: 65536)
                    while true {
                        let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                        if n <= 0 { break }
                        out.append(contentsOf: buf[0..<n])
                    }
                    return out
                }
            }
            node = ai.pointee.ai_next
        }
        return nil
    }

    static func say(_ s: String) { ServerLog.writeAll(1, s + "\n") }

    static func fail(_ s: String, code: Int32) -> Int32 {
        ServerLog.writeAll(2, s + "\n")
        return code
    }
}
