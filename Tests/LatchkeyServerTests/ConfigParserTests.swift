// ConfigParser: redis.conf-style files, --name value overrides, quoting, and the FATAL CONFIG
// FILE ERROR report that names the directive and its line.
import LatchkeyCore
import Testing

@testable import LatchkeyServer

@Suite("ConfigParser") struct ConfigParserTests {
    static let file = """
        # a comment
        port 7000

           timeout 30
        bind 127.0.0.1 -::1
        requirepass "se cret"
        loglevel WARNING
        client-output-buffer-soft-limit 1mb
        """

    func parse(_ args: [String], files: [String: String] = ["x.conf": file]) throws(ConfigError) -> CommandLineRequest {
        try ConfigParser.parse(arguments: args) { files[$0] }
    }

    @Test("defaults come from ConfigTable when nothing is given") func defaults() throws {
        let r = try parse([])
        #expect(r.configFile == nil)
        #expect(r.config.int(.port) == 6379)
        #expect(r.config.string(.bind) == "127.0.0.1 -::1")
    }

    @Test("file directives are applied, comments and blank lines skipped") func file() throws {
        let r = try parse(["x.conf"])
        #expect(r.configFile == "x.conf")
        #expect(r.config.int(.port) == 7000)
        #expect(r.config.int(.timeout) == 30)
        #expect(r.config.string(.bind) == "127.0.0.1 -::1")
        #expect(r.config.string(.requirepass) == "se cret")
        #expect(r.config.string(.loglevel) == "warning")
        #expect(r.config.int(.clientOutputBufferSoftLimit) == 1024 * 1024)
    }

    @Test("command-line options override the file") func overrides() throws {
        let r = try parse(["x.conf", "--port", "0", "--bind", "::1", "127.0.0.1", "--save", ""])
        #expect(r.config.int(.port) == 0)
        #expect(r.config.int(.timeout) == 30)
        #expect(r.config.string(.bind) == "::1 127.0.0.1")
        #expect(r.config.string(.save) == "")
    }

    @Test("client-output-buffer-limit lines merge per class; notify-keyspace-events is canonical")
    func pubsubDirectives() throws {
        let files = [
            "p.conf": """
            client-output-buffer-limit normal 0 0 0
            client-output-buffer-limit replica 256mb 64mb 60
            client-output-buffer-limit pubsub 4mb 1mb 10
            notify-keyspace-events KEA
            """
        ]
        let r = try parse(["p.conf", "--client-output-buffer-limit", "pubsub", "8mb", "2mb", "30"], files: files)
        #expect(
            r.config.string(.clientOutputBufferLimit)
                == "normal 0 0 0 slave 268435456 67108864 60 pubsub 8388608 2097152 30")
        #expect(r.config.string(.notifyKeyspaceEvents) == "AKE")
        #expect {
            _ = try parse(["bad.conf"], files: ["bad.conf": "client-output-buffer-limit pubsub 1mb\n"])
        } throws: { error in
            (error as! ConfigError).description.contains("Wrong number of arguments in buffer limit configuration.")
        }
    }

    @Test("an unknown directive stops start-up naming the file and line") func unknownDirective() {
        let files = ["bad.conf": "port 7000\n\nfrobnicate yes\n"]
        #expect { _ = try parse(["bad.conf"], files: files) } throws: { error in
            let text = (error as! ConfigError).description
            return text.contains("*** FATAL CONFIG FILE ERROR") && text.contains("bad.conf, at line 3")
                && text.contains(">>> 'frobnicate yes'") && text.contains("Bad directive or wrong number of arguments")
        }
    }

    @Test("a bad value names the line and the complaint") func badValue() {
        let files = ["bad.conf": "# x\nport seventy\n"]
        #expect { _ = try parse(["bad.conf"], files: files) } throws: { error in
            let text = (error as! ConfigError).description
            return text.contains("at line 2") && text.contains("argument couldn't be parsed into an integer")
        }
    }

    @Test("a bad command-line option names the option") func badOption() {
        #expect { _ = try parse(["--appendfsync", "sometimes"]) } throws: { error in
            let text = (error as! ConfigError).description
            return text.contains("--appendfsync") && text.contains("must be one of the following")
        }
        #expect(throws: ConfigError.self) { _ = try parse(["--port", "1", "2"]) }
        #expect(throws: ConfigError.self) { _ = try parse(["--port"]) }
    }

    @Test("a missing config file is reported") func missingFile() {
        #expect { _ = try parse(["nope.conf"]) } throws: { error in
            (error as! ConfigError).description.contains("can't open config file 'nope.conf'")
        }
    }

    @Test("quoting follows redis.conf: escapes in double quotes, \\' in single quotes") func quoting() {
        #expect(ConfigParser.splitArguments("a  b\tc") == ["a", "b", "c"])
        #expect(ConfigParser.splitArguments(#"x "a b\n\x41" 'it\'s'"#) == ["x", "a b\nA", "it's"])
        #expect(ConfigParser.splitArguments(#"save """#) == ["save", ""])
        #expect(ConfigParser.splitArguments(#"x "open"#) == nil)
        #expect(ConfigParser.splitArguments(#"x "a"b"#) == nil)
    }

    @Test("unbalanced quotes in a file are a fatal error on that line") func unbalanced() {
        #expect { _ = try parse(["q.conf"], files: ["q.conf": "requirepass \"abc\n"]) } throws: { error in
            (error as! ConfigError).description.contains("at line 1")
        }
    }
}

@Suite("conf/latchkey.conf") struct DefaultConfigFileTests {
    static var path: String {
        // Tests/LatchkeyServerTests/ConfigParserTests.swift → repository root.
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/") + "/conf/latchkey.conf"
    }

    @Test("the annotated default sets every directive in ConfigTable, to its default") func coversEveryDirective()
        throws
    {
        let text = try #require(ConfigParser.readTextFile(Self.path))
        var seen = Set<String>()
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            if let name = ConfigParser.splitArguments(String(line))?.first { seen.insert(name) }
        }
        for directive in ConfigTable.directives {
            #expect(seen.contains(directive.name), "conf/latchkey.conf lacks \(directive.name)")
        }
        let fromFile = try ConfigParser.parse(arguments: [Self.path]).config
        #expect(fromFile.values == Config().values)
    }
}
