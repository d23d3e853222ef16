// INFO [section ...]: Redis's text format (`# Section` headers, `field:value` lines, CRLF) with
// the sections clients parse: server, clients, memory, persistence, stats, replication, cpu and
// keyspace. ioredis waits for `loading:0`; redis-cli reads `redis_version:`.
#if canImport(Glibc)
import Glibc
#endif
import LatchkeyCore
import LatchkeyRESP

enum InfoCommand {
    static let defaultSections = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu",
                                  "keyspace"]

    /// INFO [section [section ...]]
    static func info(_ ctx: CommandContext) {
        var wanted: [String] = []
        for i in 1..<ctx.argc { wanted.append(ctx[i].string.lowercased()) }
        var sections = defaultSections
        if !wanted.isEmpty && !wanted.contains("all") && !wanted.contains("everything") && !wanted.contains("default") {
            sections = defaultSections.filter { wanted.contains($0) }
        }
        var parts: [String] = []
        for s in sections { parts.append(render(s, ctx)) }
        let text = parts.joined(separator: "\r\n")
        ctx.reply.bulk(Bytes(text.utf8))
    }

    static func render(_ section: String, _ ctx: CommandContext) -> String {
        let server = ctx.server
        let now = ctx.server.nowMs  // real time: uptime does not follow LATCHKEY CLOCK
        var lines: [String] = []
        switch section {
        case "server":
            let uptime = max(0, (now - server.startTimeMs) / 1000)
            lines = [
                "# Server", "redis_version:\(server.version)", "redis_git_sha1:00000000", "redis_git_dirty:0",
                "redis_build_id:0", "redis_mode:standalone", "os:Linux", "arch_bits:64",
                "latchkey_version:\(server.latchkeyVersion)", "multiplexing_api:epoll", "process_id:\(getpid())",
                "run_id:\(runID(server))", "tcp_port:\(server.respPort)", "server_time_usec:\(now * 1000)",
                "uptime_in_seconds:\(uptime)", "uptime_in_days:\(uptime / 86400)",
                "hz:\(server.config.int("hz"))", "configured_hz:\(server.config.int("hz"))",
                "executable:latchkey", "config_file:\(server.configFile)",
            ]
        case "clients":
            let resp = server.clients.values.filter { $0.kind == .resp }.count
            lines = [
                "# Clients", "connected_clients:\(resp)", "cluster_connections:0",
                "maxclients:\(server.config.int("maxclients"))", "client_recent_max_input_buffer:0",
                "client_recent_max_output_buffer:0", "blocked_clients:0", "tracking_clients:0",
                "clients_in_timeout_table:0",
            ]
        case "memory":
            let used = ctx.keyspace.memoryBytes
            let rss = residentBytes()
            lines = [
                "# Memory", "used_memory:\(used)", "used_memory_human:\(human(used))",
                "used_memory_rss:\(rss)", "used_memory_rss_human:\(human(rss))",
                "used_memory_peak:\(used)", "maxmemory:0", "maxmemory_human:0B", "maxmemory_policy:noeviction",
                "mem_allocator:libc",
            ]
        case "persistence":
            let p = server.persistence
            lines = [
                "# Persistence", "loading:0", "async_loading:0", "rdb_changes_since_last_save:0",
                "rdb_bgsave_in_progress:0", "rdb_last_save_time:\(server.startTimeMs / 1000)",
                "rdb_last_bgsave_status:ok", "aof_enabled:\(p.aofEnabled ? 1 : 0)",
                "aof_rewrite_in_progress:\(p.aofRewriteInProgress ? 1 : 0)",
                "aof_rewrite_scheduled:\(p.aofRewriteScheduled ? 1 : 0)",
                "aof_last_rewrite_time_sec:\(p.aofLastRewriteTimeSec)",
                "aof_last_bgrewrite_status:\(p.aofLastBgrewriteStatus)",
                "aof_last_write_status:\(p.aofLastWriteStatus)",
            ]
            if p.aofEnabled {
                lines += ["aof_current_size:\(p.aofCurrentSize)", "aof_base_size:\(p.aofBaseSize)"]
            }
        case "stats":
            let s = server.stats
            lines = [
                "# Stats", "total_connections_received:\(s.totalConnectionsReceived)",
                "total_commands_processed:\(s.totalCommandsProcessed)", "instantaneous_ops_per_sec:0",
                "total_net_input_bytes:\(s.totalNetInputBytes)", "total_net_output_bytes:\(s.totalNetOutputBytes)",
                "rejected_connections:\(s.rejectedConnections)", "expired_keys:\(s.expiredKeys)",
                "evicted_keys:0", "keyspace_hits:\(s.keyspaceHits)", "keyspace_misses:\(s.keyspaceMisses)",
                "pubsub_channels:0", "pubsub_patterns:0",
            ]
        case "replication":
            lines = ["# Replication", "role:master", "connected_slaves:0", "master_repl_offset:0"]
        case "cpu":
            var usage = rusage()
            getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
            let sys = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
            let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            lines = ["# CPU", "used_cpu_sys:\(sys)", "used_cpu_user:\(user)"]
        case "keyspace":
            lines = ["# Keyspace"]
            for (i, db) in ctx.keyspace.databases.enumerated() where db.count > 0 {
                lines.append("db\(i):keys=\(db.count),expires=\(db.expiresCount),avg_ttl=0")
            }
        default:
            return ""
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static func human(_ n: Int) -> String {
        let d = Double(n)
        if d >= 1024 * 1024 * 1024 { return fmt2(d / (1024 * 1024 * 1024)) + "G" }
        if d >= 1024 * 1024 { return fmt2(d / (1024 * 1024)) + "M" }
        if d >= 1024 { return fmt2(d / 1024) + "K" }
        return "\(n)B"
    }

    static func fmt2(_ d: Double) -> String {
        let cents = Int((d * 100).rounded())
        let frac = cents % 100
        return "\(cents / 100).\(frac < 10 ? "0" : "")\(frac)"
    }

    /// Resident set size from /proc/self/statm (pages × page size).
    static func residentBytes() -> Int {
        guard let f = fopen("/proc/self/statm", "r") else { return 0 }
        defer { fclose(f) }
        var buf = [UInt8](repeating: 0, count: 128)
        let n = fread(&buf, 1, 127, f)
        let parts = buf[0..<n].split(separator: 32)
        guard parts.count > 1, let pages = Int(String(decoding: parts[1], as: UTF8.self)) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    static func runID(_ server: ServerContext) -> String {
        var h = XXH3.hash64(Bytes(String(server.startTimeMs).utf8) + Bytes(String(getpid()).utf8))
        var out = ""
        for _ in 0..<5 {
            out += XXH3.hex(h).string
            h = XXH3.hash64(XXH3.hex(h))
        }
        return String(out.prefix(40))
    }
}
