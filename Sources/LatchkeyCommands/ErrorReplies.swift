// Every RESP error text Latchkey sends, verbatim from Redis 7 (codes included, no leading '-').
// Handlers refer to these constants; texts built from arguments are small functions here too,
// so the differential tests have one place to compare against redis-server.

import LatchkeyCore

public enum ErrorReplies {
    public static let syntax = "ERR syntax error"
    public static let notInteger = "ERR value is not an integer or out of range"
    public static let notFloat = "ERR value is not a valid float"
    public static let wrongType = "WRONGTYPE Operation against a key holding the wrong kind of value"
    public static let overflow = "ERR increment or decrement would overflow"
    public static let noAuth = "NOAUTH Authentication required."
    public static let wrongPass = "WRONGPASS invalid username-password pair or user is disabled."
    public static let authNotConfigured =
        "ERR AUTH <password> called without any password configured for the default user. "
        + "Are you sure your configuration is correct?"
    public static let helloNoAuth =
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH "
        + "<user> <pass> option can be used to authenticate the client and select the RESP protocol "
        + "version at the same time"
    public static let noProto = "NOPROTO unsupported protocol version"
    public static let protoNotInteger = "ERR Protocol version is not an integer or out of range"
    public static let dbOutOfRange = "ERR DB index is out of range"
    public static let clientNameChars = "ERR Client names cannot contain spaces, newlines or special characters."
    public static let noSuchClient = "ERR No such client"
    public static let expireOptionsNX = "ERR NX and XX, GT or LT options at the same time are not compatible"
    public static let expireOptionsGTLT = "ERR GT and LT options at the same time are not compatible"
    public static let invalidCursor = "ERR invalid cursor"
    public static let timeoutNegative = "ERR timeout is negative"
    /// Redis's text for writes refused while the log cannot be written.
    public static func misconf(_ f: LogFailure) -> String { "MISCONF Errors writing to the AOF file: " + f.reason }
    public static let stringTooLong = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"

    public static let decrementOverflow = "ERR decrement would overflow"
    public static let clientIDPositive = "ERR client-id should be greater than 0"
    public static let noConfigFile = "ERR The server is running without a config file"
    public static let shutdownFailed = "ERR Errors trying to SHUTDOWN. Check logs."
    public static let rewriteUnavailable = "ERR Background append only file rewriting is not available"
    public static let multiNested = "ERR MULTI calls can not be nested"
    public static let discardWithoutMulti = "ERR DISCARD without MULTI"
    public static let execWithoutMulti = "ERR EXEC without MULTI"
    public static let execAbort = "EXECABORT Transaction discarded because of previous errors."
    public static let watchInsideMulti = "ERR WATCH inside MULTI is not allowed"

    // lists and hashes
    public static let mustBePositive = "ERR value is out of range, must be positive"
    public static let noSuchKey = "ERR no such key"
    public static let indexOutOfRange = "ERR index out of range"
    public static let rankZero =
        "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
    public static let rankOutOfRange =
        "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
    public static let countNegative = "ERR COUNT can't be negative"
    public static let maxlenNegative = "ERR MAXLEN can't be negative"
    public static let numkeysPositive = "ERR numkeys should be greater than 0"
    public static let countPositive = "ERR count should be greater than 0"
    public static let timeoutNotFloat = "ERR timeout is not a float or out of range"
    public static let timeoutOutOfRange = "ERR timeout is out of range"
    public static let unblocked = "UNBLOCKED client unblocked via CLIENT UNBLOCK"
    public static let hashNotInteger = "ERR hash value is not an integer"
    public static let hashNotFloat = "ERR hash value is not a float"
    public static let valueNanOrInf = "ERR value is NaN or Infinity"
    public static let incrNanOrInf = "ERR increment would produce NaN or Infinity"
    public static let hrandfieldRange = "ERR value is out of range"
    public static let unblockReason = "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"

    /// `ERR Unsupported option FOO` (EXPIRE family)
    public static func unsupportedOption(_ opt: String) -> String { "ERR Unsupported option " + opt }
    /// `ERR Unrecognized option 'foo'` (CLIENT SETINFO)
    public static func unrecognizedOption(_ opt: String) -> String { "ERR Unrecognized option '\(opt)'" }
    /// `ERR lib-name cannot contain spaces, newlines or special characters.`
    public static func libInfoChars(_ attr: String) -> String {
        "ERR \(attr) cannot contain spaces, newlines or special characters."
    }
    /// `ERR Unknown client type 'x'` (CLIENT KILL TYPE)
    public static func unknownClientType(_ t: String) -> String { "ERR Unknown client type '\(t)'" }
    /// `ERR Syntax error in HELLO option 'foo'`
    public static func helloOption(_ opt: String) -> String { "ERR Syntax error in HELLO option '\(opt)'" }
    /// `ERR Unknown option or number of arguments for CONFIG SET - 'foo'`
    public static func configSetUnknown(_ name: String) -> String {
        "ERR Unknown option or number of arguments for CONFIG SET - '\(name)'"
    }
    /// `ERR CONFIG SET failed (possibly related to argument 'x') - reason`
    public static func configSetFailed(_ name: String, _ reason: String) -> String {
        "ERR CONFIG SET failed (possibly related to argument '\(name)') - \(reason)"
    }
    public static let configImmutable = "can't set immutable config"
    public static let configDuplicate = "duplicate parameter"

    /// `ERR invalid expire time in 'set' command`
    public static func invalidExpire(_ command: String) -> String { "ERR invalid expire time in '\(command)' command" }

    /// `ERR wrong number of arguments for 'get' command`
    public static func arity(_ fullName: String) -> String { "ERR wrong number of arguments for '\(fullName)' command" }

    /// `ERR unknown subcommand 'FOO'. Try CLIENT HELP.`
    public static func unknownSubcommand(_ sub: String, container: String) -> String {
        "ERR unknown subcommand '\(truncated(sub, 128))'. Try \(container.uppercased()) HELP."
    }

    /// `ERR unknown subcommand or wrong number of arguments for 'channels'. Try PUBSUB HELP.`
    public static func unknownSubcommandOrArity(_ sub: String, container: String) -> String {
        "ERR unknown subcommand or wrong number of arguments for '\(truncated(sub, 128))'. Try \(container) HELP."
    }

    /// `ERR Can't execute 'get': only (P|S)SUBSCRIBE / ...` (RESP2 clients in subscribed mode).
    public static func subscribedContext(_ fullName: String) -> String {
        "ERR Can't execute '\(fullName)': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
    }

    /// `ERR unknown command 'FOO', with args beginning with: 'a' 'b' ` (args quoted, total ≤ 128 chars).
    public static func unknownCommand(_ name: String, args: [String]) -> String {
        var list = ""
        for a in args {
            if list.utf8.count >= 128 { break }
            list += "'" + truncated(a, 128 - list.utf8.count) + "' "
        }
        return "ERR unknown command '\(truncated(name, 128))', with args beginning with: \(list)"
    }

    // MARK: resp-hardening (Latchkey's own texts where Redis has no such limit)

    /// A write whose log record would exceed `aof-max-record-size` while `appendonly yes`.
    public static let writeTooLargeForLog =
        "ERR the append-only log cannot record a write this large (see aof-max-record-size)"
    /// `ERR No such user 'x'` (CLIENT KILL USER)
    public static func noSuchUser(_ u: String) -> String { "ERR No such user '\(u)'" }
    public static let invalidClientID = "ERR Invalid client ID"
    /// Sent to a connection refused because `maxclients` are connected.
    public static let maxClients = "ERR max number of clients reached"
    /// Protected mode: redis-server 7.0's text, byte for byte (its typo "Setup a an" included).
    public static let protectedMode =
        "DENIED Redis is running in protected mode because protected mode is enabled and no password is set "
        + "for the default user. In this mode connections are only accepted from the loopback interface. "
        + "If you want to connect from external computers to Redis you may adopt one of the following "
        + "solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' "
        + "from the loopback interface by connecting to Redis from the same host the server is running, "
        + "however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG "
        + "REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode "
        + "by editing the Redis configuration file, and setting the protected mode option to 'no', and "
        + "then restarting the server. 3) If you started the server manually just for testing, restart it "
        + "with the '--protected-mode no' option. 4) Setup a an authentication password for the default "
        + "user. NOTE: You only need to do one of the above things in order for the server to start "
        + "accepting connections from the outside."

    static func truncated(_ s: String, _ n: Int) -> String {
        let u = Array(s.utf8)
        return u.count <= n ? s : String(decoding: u[0..<max(0, n)], as: UTF8.self)
    }
}
