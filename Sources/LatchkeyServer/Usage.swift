// The text of `latchkey --help` and `latchkey --version`. Kept apart from the parser so the
// executable and the docs can quote it; nothing here reads configuration.

/// Help and version texts for the executable.
public enum Usage {
    /// Latchkey's own version (the Redis version it imitates is CommandEngine.redisVersion).
    public static let version = "0.1.0"

    /// `latchkey --version`, in redis-server's shape.
    public static var versionLine: String {
        "Latchkey server v=\(version) sha=00000000:0 malloc=libc bits=\(MemoryLayout<Int>.size * 8) build=swift"
    }

    /// `latchkey --help`.
    public static let help = """
        Usage: latchkey [/path/to/latchkey.conf] [options] [-]
               latchkey - (read config from stdin is not supported)
               latchkey -v or --version
               latchkey -h or --help
               latchkey --check-log FILE [--fix]
               latchkey locks  [--host H] [--port 15672] [--user U] [--password P] [--db N] [--match GLOB]
               latchkey queues [--host H] [--port 15672] [--user U] [--password P] [--vhost V]

        Every directive of the configuration file can be given as an option, e.g.
        --port 6380 --amqp-port off --loglevel warning --bind "127.0.0.1 ::1".
        Options override the file. See conf/latchkey.conf for every directive.
        Port 0 picks a free port (both listeners); `--amqp-port off` turns AMQP off.

        Examples:
               latchkey (run with the built-in defaults)
               latchkey conf/latchkey.conf
               latchkey --port 7777
               latchkey conf/latchkey.conf --port 7777 --appendonly yes
               latchkey --port 0 --amqp-port 0 --enable-test-commands yes --ready-file /tmp/lk.json
        """
}
