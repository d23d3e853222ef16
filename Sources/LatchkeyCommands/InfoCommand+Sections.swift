import LatchkeyCore

// The bodies of INFO's sections, field for field in redis-server 7.0's order. Real values come
// from the process (getrusage, /proc, mallinfo2, uname), the keyspace, the client registry, the
// pub/sub registry and the counters; the rest are the values an idle, replica-less, fork-less
// Redis prints.
#if canImport(Glibc)
import Glibc
#endif

extension InfoCommand {
    static func server(_ ctx: CommandContext) -> [String] {
        let server = ctx.server
        let now = ctx.server.nowMs  // real time: uptime does not follow LATCHKEY CLOCK
        let uptime = max(0, (now - server.startTimeMs) / 1000)
        let hz = server.config.int(.hz)
        return [
            "redis_version:\(CommandEngine.redisVersion)", "redis_git_sha1:00000000", "redis_git_dirty:0",
            "redis_build_id:0", "redis_mode:standalone", "os:\(ProcessFacts.os)", "arch_bits:64",
            "monotonic_clock:POSIX clock_gettime", "multiplexing_api:epoll", "atomicvar_api:c11-builtin",
            "gcc_version:0.0.0", "process_id:\(getpid())", "process_supervised:no", "run_id:\(ctx.engine.runID)",
            "tcp_port:\(server.respPort)", "server_time_usec:\(now &* 1000)", "uptime_in_seconds:\(uptime)",
            "uptime_in_days:\(uptime / 86400)", "hz:\(hz)", "configured_hz:\(hz)",
            "lru_clock:\((now / 1000) & ((1 << 24) - 1))", "executable:\(ProcessFacts.executable)",
            "config_file:\(server.configFile)", "io_threads_active:0", "latchkey_version:\(server.latchkeyVersion)",
        ]
    }

    static func clients(_ ctx: CommandContext) -> [String] {
        let server = ctx.server
        let resp = server.clients.values.filter { $0.kind == .resp }
        let maxOut = resp.reduce(0) { max($0, $1.outbox.bytes.count) }
        return [
            "connected_clients:\(resp.count)", "cluster_connections:0", "maxclients:\(server.config.int(.maxclients))",
            "client_recent_max_input_buffer:0", "client_recent_max_output_buffer:\(maxOut)",
            "blocked_clients:\(ctx.engine.blockedClientCount)", "tracking_clients:0", "clients_in_timeout_table:0",
        ]
    }

    static func memory(_ ctx: CommandContext) -> [String] {
        // used_memory is the process's anonymous memory (heap and anonymous mappings, from
        // /proc/self/smaps_rollup), the nearest reachable figure to Redis's allocator total
        // (glibc's counters are not importable without a C shim); it is never less than what
        // Latchkey itself accounts for (keys and values, unsent output, the log buffer, Lua).
        let engine = ctx.engine
        let lua = engine.scriptingIfStarted?.interpreter.memoryUsed ?? 0
        let scripts = engine.scriptingIfStarted?.interpreter.cachedScripts ?? 0
        let clientsMem = ctx.server.clients.values.reduce(0) { $0 + $1.outbox.bytes.count }
        let dataset = ctx.keyspace.memoryBytes
        let used = max(dataset + clientsMem + ctx.journal.bytes.count + lua, ProcessFacts.anonymousBytes())
        let overhead = used - dataset
        engine.peakMemory = max(engine.peakMemory, used)
        let peak = engine.peakMemory
        let rss = ProcessFacts.residentBytes()
        let startup = min(engine.startupMemory, used)
        let system = ProcessFacts.totalSystemMemory()
        let heap = (allocated: used, active: used)
        return [
            "used_memory:\(used)", "used_memory_human:\(human(used))", "used_memory_rss:\(rss)",
            "used_memory_rss_human:\(human(rss))", "used_memory_peak:\(peak)", "used_memory_peak_human:\(human(peak))",
            "used_memory_peak_perc:\(percent(used, peak))", "used_memory_overhead:\(overhead)",
            "used_memory_startup:\(startup)", "used_memory_dataset:\(dataset)",
            "used_memory_dataset_perc:\(percent(dataset, max(1, used - startup)))", "allocator_allocated:\(used)",
            "allocator_active:\(heap.active)", "allocator_resident:\(rss)", "total_system_memory:\(system)",
            "total_system_memory_human:\(human(system))", "used_memory_lua:\(lua)", "used_memory_vm_eval:\(lua)",
            "used_memory_lua_human:\(human(lua))", "used_memory_scripts_eval:0", "number_of_cached_scripts:\(scripts)",
            "number_of_functions:0", "number_of_libraries:0", "used_memory_vm_functions:0",
            "used_memory_vm_total:\(lua)", "used_memory_vm_total_human:\(human(lua))", "used_memory_functions:0",
            "used_memory_scripts:0", "used_memory_scripts_human:0B", "maxmemory:0", "maxmemory_human:0B",
            "maxmemory_policy:noeviction", "allocator_frag_ratio:\(ratio(heap.active, used))",
            "allocator_frag_bytes:\(max(0, heap.active - used))", "allocator_rss_ratio:\(ratio(rss, heap.active))",
            "allocator_rss_bytes:\(rss - heap.active)", "rss_overhead_ratio:1.00", "rss_overhead_bytes:0",
            "mem_fragmentation_ratio:\(ratio(rss, used))", "mem_fragmentation_bytes:\(rss - used)",
            "mem_not_counted_for_evict:0", "mem_replication_backlog:0", "mem_total_replication_buffers:0",
            "mem_clients_slaves:0", "mem_clients_normal:\(clientsMem)", "mem_cluster_links:0",
            "mem_aof_buffer:\(ctx.journal.bytes.count)", "mem_allocator:libc", "active_defrag_running:0",
            "lazyfree_pending_objects:0", "lazyfreed_objects:0",
        ]
    }

    static func persistence(_ ctx: CommandContext) -> [String] {
        let p = ctx.server.persistence
        var out = [
            "loading:0", "async_loading:0", "current_cow_peak:0", "current_cow_size:0", "current_cow_size_age:0",
            "current_fork_perc:0.00", "current_save_keys_processed:0", "current_save_keys_total:0",
            "rdb_changes_since_last_save:0", "rdb_bgsave_in_progress:0",
            "rdb_last_save_time:\(ctx.server.startTimeMs / 1000)", "rdb_last_bgsave_status:ok",
            "rdb_last_bgsave_time_sec:-1", "rdb_current_bgsave_time_sec:-1", "rdb_saves:0", "rdb_last_cow_size:0",
            "rdb_last_load_keys_expired:0", "rdb_last_load_keys_loaded:0", "aof_enabled:\(p.aofEnabled ? 1 : 0)",
            "aof_rewrite_in_progress:\(p.aofRewriteInProgress ? 1 : 0)",
            "aof_rewrite_scheduled:\(p.aofRewriteScheduled ? 1 : 0)",
            "aof_last_rewrite_time_sec:\(p.aofLastRewriteTimeSec)", "aof_current_rewrite_time_sec:-1",
            "aof_last_bgrewrite_status:\(p.aofLastBgrewriteStatus)", "aof_rewrites:0",
            "aof_rewrites_consecutive_failures:0", "aof_last_write_status:\(p.aofLastWriteStatus)",
            "aof_last_cow_size:0", "module_fork_in_progress:0", "module_fork_last_cow_size:0",
        ]
        if p.aofEnabled {
            out += [
                "aof_current_size:\(p.aofCurrentSize)", "aof_base_size:\(p.aofBaseSize)", "aof_pending_rewrite:0",
                "aof_buffer_length:\(ctx.journal.bytes.count)", "aof_pending_bio_fsync:0", "aof_delayed_fsync:0",
            ]
        }
        return out
    }

    static func stats(_ ctx: CommandContext) -> [String] {
        let s = ctx.server.stats
        let engine = ctx.engine
        let hub = engine.pubsub
        return [
            "total_connections_received:\(s.totalConnectionsReceived)",
            "total_commands_processed:\(s.totalCommandsProcessed)",
            "instantaneous_ops_per_sec:\(Int(engine.opsRate.mean.rounded()))",
            "total_net_input_bytes:\(s.totalNetInputBytes)", "total_net_output_bytes:\(s.totalNetOutputBytes)",
            "total_net_repl_input_bytes:0", "total_net_repl_output_bytes:0",
            "instantaneous_input_kbps:\(fixed(engine.inputRate.mean / 1024, 2))",
            "instantaneous_output_kbps:\(fixed(engine.outputRate.mean / 1024, 2))",
            "instantaneous_input_repl_kbps:0.00", "instantaneous_output_repl_kbps:0.00",
            "rejected_connections:\(s.rejectedConnections)", "sync_full:0", "sync_partial_ok:0", "sync_partial_err:0",
            "expired_keys:\(s.expiredKeys)", "expired_stale_perc:0.00", "expired_time_cap_reached_count:0",
            "expire_cycle_cpu_milliseconds:0", "evicted_keys:0", "evicted_clients:0", "total_eviction_exceeded_time:0",
            "current_eviction_exceeded_time:0", "keyspace_hits:\(s.keyspaceHits)",
            "keyspace_misses:\(s.keyspaceMisses)", "pubsub_channels:\(hub.channels.count)",
            "pubsub_patterns:\(hub.patternCount)", "pubsubshard_channels:\(hub.shardChannels.count)",
            "latest_fork_usec:0", "total_forks:0", "migrate_cached_sockets:0", "slave_expires_tracked_keys:0",
            "active_defrag_hits:0", "active_defrag_misses:0", "active_defrag_key_hits:0", "active_defrag_key_misses:0",
            "total_active_defrag_time:0", "current_active_defrag_time:0", "tracking_total_keys:0",
            "tracking_total_items:0", "tracking_total_prefixes:0", "unexpected_error_replies:0",
            "total_error_replies:\(s.totalErrorReplies)", "dump_payload_sanitizations:0",
            "total_reads_processed:\(s.totalReadsProcessed)", "total_writes_processed:\(s.totalWritesProcessed)",
            "io_threaded_reads_processed:0", "io_threaded_writes_processed:0", "reply_buffer_shrinks:0",
            "reply_buffer_expands:0",
        ]
    }

    static func replication(_ ctx: CommandContext) -> [String] {
        [
            "role:master", "connected_slaves:0", "master_failover_state:no-failover",
            "master_replid:\(ctx.engine.replicationID)", "master_replid2:" + String(repeating: "0", count: 40),
            "master_repl_offset:0", "second_repl_offset:-1", "repl_backlog_active:0", "repl_backlog_size:1048576",
            "repl_backlog_first_byte_offset:0", "repl_backlog_histlen:0",
        ]
    }

    static func cpu() -> [String] {
        let me = ProcessFacts.usage(RUSAGE_SELF)
        let children = ProcessFacts.usage(RUSAGE_CHILDREN)
        let thread = ProcessFacts.usage(__rusage_who(rawValue: 1))  // RUSAGE_THREAD: INFO runs on the loop thread
        return [
            "used_cpu_sys:\(me.sys)", "used_cpu_user:\(me.user)", "used_cpu_sys_children:\(children.sys)",
            "used_cpu_user_children:\(children.user)", "used_cpu_sys_main_thread:\(thread.sys)",
            "used_cpu_user_main_thread:\(thread.user)",
        ]
    }

    static func commandstats(_ ctx: CommandContext) -> [String] {
        ctx.engine.usedCommands().map { name, c in
            "cmdstat_\(name):calls=\(c.calls),usec=0,usec_per_call=0.00,rejected_calls=\(c.rejectedCalls),"
                + "failed_calls=\(c.failedCalls)"
        }
    }

    static func errorstats(_ ctx: CommandContext) -> [String] {
        ctx.server.stats.errorCodes.sorted { $0.key < $1.key }.map { "errorstat_\($0.key):count=\($0.value)" }
    }

    static func keyspace(_ ctx: CommandContext) -> [String] {
        var out: [String] = []
        for (i, db) in ctx.keyspace.databases.enumerated() where db.count > 0 {
            out.append("db\(i):keys=\(db.count),expires=\(db.expiresCount),avg_ttl=0")
        }
        return out
    }
}

/// Facts about this process and machine that INFO reports.
enum ProcessFacts {
    /// `uname -srm`, as Redis prints `os:`.
    static let os: String = {
        var u = utsname()
        guard uname(&u) == 0 else { return "Linux" }
        func field<T>(_ v: T) -> String {
            withUnsafeBytes(of: v) { raw in String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self) }
        }
        return "\(field(u.sysname)) \(field(u.release)) \(field(u.machine))"
    }()

    /// The absolute path of the running executable (/proc/self/exe).
    static let executable: String = {
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        return n > 0 ? String(decoding: buf[0..<n], as: UTF8.self) : ""
    }()

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

    /// The `Anonymous:` total of /proc/self/smaps_rollup in bytes (0 when unreadable).
    static func anonymousBytes() -> Int {
        guard let f = fopen("/proc/self/smaps_rollup", "r") else { return 0 }
        defer { fclose(f) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), f) != nil {
            let text = String(decoding: line.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard text.hasPrefix("Anonymous:") else { continue }
            let digits = text.dropFirst("Anonymous:".count).filter { $0.isNumber }
            return (Int(String(digits)) ?? 0) * 1024
        }
        return 0
    }

    static func totalSystemMemory() -> Int { Int(sysconf(Int32(_SC_PHYS_PAGES))) * Int(sysconf(Int32(_SC_PAGESIZE))) }

    /// getrusage times as Redis prints them (`seconds.microseconds`, six digits).
    static func usage(_ who: __rusage_who) -> (sys: String, user: String) {
        var u = rusage()
        getrusage(__rusage_who_t(who.rawValue), &u)
        func text(_ t: timeval) -> String {
            let us = String(t.tv_usec)
            return "\(t.tv_sec)." + String(repeating: "0", count: max(0, 6 - us.count)) + us
        }
        return (text(u.ru_stime), text(u.ru_utime))
    }
}
