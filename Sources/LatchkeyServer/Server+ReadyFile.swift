import LatchkeyCore

// `ready-file PATH`: once every listener accepts, a small JSON object naming the process and
// each listener's addresses, for fixtures in any language that would rather not parse stdout.
// Written to a temporary file in the same directory and renamed into place, so a reader never
// sees half of it; removed again at a clean shutdown so a stale file never names a dead server.
#if canImport(Glibc)
import Glibc
#endif

extension Server {
    /// `{"pid":123,"listeners":{"resp":{"port":6379,"addresses":["127.0.0.1:6379"]},...}}`:
    /// one entry per open listener, in ready-line order; more listeners add more names.
    public var readyFileJSON: String {
        let entries = context.listenerAddresses.map { listener -> String in
            let port = listener.addresses.first.flatMap { $0.split(separator: ":").last }.flatMap { Int($0) } ?? 0
            let addresses = listener.addresses.map { "\"" + Server.jsonEscaped($0) + "\"" }.joined(separator: ",")
            return "\"\(Server.jsonEscaped(listener.name))\":{\"port\":\(port),\"addresses\":[\(addresses)]}"
        }
        return "{\"pid\":\(getpid()),\"listeners\":{" + entries.joined(separator: ",") + "}}\n"
    }

    /// Writes the ready file when `ready-file` is set; throws a message naming the path.
    public func writeReadyFile() throws(ServerStartError) {
        let path = context.config.string(.readyFile)
        guard !path.isEmpty else { return }
        let temporary = path + ".tmp.\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ServerStartError("Can't write the ready file \(temporary): \(String(cString: strerror(errno)))")
        }
        ServerLog.writeAll(fd, readyFileJSON)
        close(fd)
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw ServerStartError("Can't rename the ready file into \(path): \(reason)")
        }
        readyFileWritten = path
        addShutdownHook { [unowned self] in self.removeReadyFile() }
    }

    /// Removes the ready file this process wrote (clean shutdown).
    func removeReadyFile() {
        guard let path = readyFileWritten else { return }
        readyFileWritten = nil
        unlink(path)
    }

    static func jsonEscaped(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where u.value < 0x20:
                out +=
                    "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count)
                    + String(u.value, radix: 16)
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }
}
