import LatchkeyCore
import LatchkeyLog

// CONFIG SET appendonly yes at run time, as Redis does it: the whole live state is written as a
// fresh log (header + one snapshot of every participant, fsynced, renamed over `dir`/
// `appendfilename`), and from then on every change is journaled. The snapshot is taken on the
// loop in one go, so no write can slip between it and the first journaled record; the pause
// grows with the data (Redis forks instead). Turning the log off needs a restart.
#if canImport(Glibc)
import Glibc
#endif

extension Persistence {
    /// Installs `context.appendOnlySwitch` for CONFIG SET appendonly.
    static func installLiveSwitch(server: Server, journal: Journal, participants: [ClientProtocol: LogParticipant]) {
        server.context.appendOnlySwitch = { [unowned server] on in
            guard on else { return "turning the append-only log off needs a restart (--appendonly no)" }
            if journal.isEnabled { return nil }
            do {
                _ = try enableLive(server: server, journal: journal, participants: participants)
                return nil
            } catch {
                server.log.warning("Unable to turn on the append-only log: \(error)")
                return "Unable to turn on AOF. Check server logs."
            }
        }
        // The switch refers to the front ends, which refer to the context: break the cycle at exit.
        server.addShutdownHook { [unowned server] in server.context.appendOnlySwitch = nil }
    }

    /// Writes the live state as a new log, opens it and starts journaling.
    static func enableLive(
        server: Server, journal: Journal, participants: [ClientProtocol: LogParticipant]
    ) throws(ServerStartError) -> Persistence {
        let config = server.context.config
        let path = path(config: config)
        guard everyStateInLog(server: server, participants: participants) else {
            throw ServerStartError("not every front end can snapshot its state")
        }
        server.context.refreshNow()
        let started = FileIO.monotonicMicros()
        var bytes = RecordCodec.fileHeader()
        for participant in snapshotOrder(participants) {
            participant.writeLogSnapshot(into: &bytes, nowMs: server.context.nowMs)
        }
        let temp =
            FileIO.directory(of: path) + "/temp-enable-" + (path.split(separator: "/").last.map(String.init) ?? "log")
        do throws(LogIOError) {
            let fd = try FileIO.open(temp, O_WRONLY | O_CREAT | O_TRUNC)
            var n = 0
            var e = bytes.withUnsafeBytes { FileIO.pwriteAll(fd, $0, at: 0, written: &n) }
            if e == 0 { e = FileIO.datasync(fd) }
            close(fd)
            if e == 0 && rename(temp, path) != 0 { e = errno }
            if e == 0 { e = FileIO.syncDirectory(FileIO.directory(of: path)) }
            if e != 0 {
                unlink(temp)
                throw LogIOError("write", temp, e)
            }
        } catch { throw ServerStartError("Can't write the append-only file \(path): \(error.reason)") }
        let writer: LogWriter
        do {
            writer = try LogWriter(path: path, policy: FsyncPolicy(rawValue: config.string(.appendfsync)) ?? .everysec)
        } catch { throw ServerStartError("Can't open the append-only file \(path): \(error.reason)") }
        let p = attach(server: server, journal: journal, writer: writer, participants: participants, unhandled: 0)
        let ms = Double(FileIO.monotonicMicros() - started) / 1000
        server.log.notice("Append-only log turned on: \(path), \(bytes.count) bytes written in \(ms) ms")
        return p
    }
}
