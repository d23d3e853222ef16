import LatchkeyServer

// The latchkey executable: argv → Config → Server.run. Exit codes: 0 after a clean shutdown,
// 1 for a configuration or start-up error. Everything else lives in LatchkeyServer.
#if canImport(Glibc)
import Glibc
#endif

func fail(_ message: String) -> Never {
    var text = message + "\n"
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    exit(1)
}

func say(_ message: String) {
    var text = message + "\n"
    text.withUTF8 { _ = write(1, $0.baseAddress, $0.count) }
}

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "-h", "--help":
    say(Usage.help)
    exit(0)
case "-v", "--version":
    say(Usage.versionLine)
    exit(0)
case "--check-log": exit(Persistence.checkLogCommand(Array(arguments.dropFirst())))
case "locks", "queues": exit(ManagementCLI.run(arguments[0], Array(arguments.dropFirst())))
default: break
}

let request: CommandLineRequest
do { request = try ConfigParser.parse(arguments: arguments) } catch { fail(error.description) }

do {
    let server = try Boot.makeServer(config: request.config)
    server.context.configFile = request.configFile ?? ""
    server.log.notice("Latchkey version=\(Usage.version), pid=\(getpid()), just started")
    if request.configFile == nil {
        server.log.warning(
            "Warning: no config file specified, using the default config. In order to specify a config file use latchkey /path/to/latchkey.conf"
        )
    }
    try server.start()
    // The file first: whoever sees the ready line may read the file at once.
    try server.writeReadyFile()
    server.printReadyLine()
    server.run()
    exit(0)
} catch { fail("\(error)") }
