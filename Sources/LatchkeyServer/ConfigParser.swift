// Reads configuration the way redis-server does: a redis.conf-style file of `directive value...`
// lines (comments, blank lines, quoted values), then `--name value...` command-line options that
// override it. Every value is checked against ConfigTable (LatchkeyCore); a bad directive or value
// stops start-up with a FATAL CONFIG FILE ERROR naming the line. Applying values is Config's job.

import LatchkeyCore

#if canImport(Glibc)
import Glibc
#endif

/// A configuration that cannot be used; `description` is the full multi-line report.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// What the command line asked for.
public struct CommandLineRequest {
    /// The configuration file named first on the command line, if any.
    public var configFile: String?
    /// Defaults, then the file, then the options, validated.
    public var config: Config
}

/// Turns a command line and configuration file into a validated Config.
public enum ConfigParser {
    /// Parses `latchkey [config-file] [--name value ...]` (arguments without the program name).
    /// `readFile` returns a file's text or nil when it cannot be read (injectable for tests).
    public static func parse(
        arguments: [String], readFile: (String) -> String? = ConfigParser.readTextFile
    ) throws(ConfigError) -> CommandLineRequest {
        let config = Config()
        var rest = arguments[...]
        var file: String?
        if let first = rest.first, !first.hasPrefix("--") {
            file = first
            rest = rest.dropFirst()
            guard let text = readFile(first) else {
                throw ConfigError("Fatal error, can't open config file '\(first)': No such file or directory")
            }
            try apply(text: text, to: config, source: first)
        }
        try applyOptions(Array(rest), to: config)
        return CommandLineRequest(configFile: file, config: config)
    }

    /// Applies a whole configuration file's text. `source` names the file in error messages.
    public static func apply(text: String, to config: Config, source: String) throws(ConfigError) {
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.hasSuffix("\r") ? String(rawLine.dropLast()) : String(rawLine)
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let words = splitArguments(String(trimmed)), !words.isEmpty else {
                throw fatal(
                    "Unbalanced quotes in configuration line",
                    at: "the configuration file \(source), at line \(lineNumber)", line: line)
            }
            if let problem = applyDirective(words[0], Array(words.dropFirst()), to: config) {
                throw fatal(problem, at: "the configuration file \(source), at line \(lineNumber)", line: line)
            }
        }
    }

    /// Applies `--name value...` options; each option takes the words up to the next `--name`.
    public static func applyOptions(_ options: [String], to config: Config) throws(ConfigError) {
        var i = 0
        while i < options.count {
            let option = options[i]
            guard option.hasPrefix("--"), option.count > 2 else {
                throw fatal(
                    "Invalid argument (options must start with --)", at: "the command line, at argument \(i + 1)",
                    line: option)
            }
            var values: [String] = []
            i += 1
            while i < options.count, !options[i].hasPrefix("--") {
                values.append(options[i])
                i += 1
            }
            let name = String(option.dropFirst(2))
            if let problem = applyDirective(name, values, to: config) {
                let shown = ([option] + values.map { "\"\($0)\"" }).joined(separator: " ")
                throw fatal(problem, at: "the command line, at option \(option)", line: shown)
            }
        }
    }

    /// Checks and stores one directive; returns Redis's complaint when it is not acceptable.
    static func applyDirective(_ name: String, _ values: [String], to config: Config) -> String? {
        guard let directive = ConfigTable.directive(named: name) else {
            return "Bad directive or wrong number of arguments"
        }
        switch directive.kind {
        case .words, .outputBufferLimits:
            guard !values.isEmpty else { return "Bad directive or wrong number of arguments" }
            return config.set(directive.name, values.joined(separator: " "))
        default:
            guard values.count == 1 else { return "wrong number of arguments" }
            return config.set(directive.name, values[0])
        }
    }

    static func fatal(_ problem: String, at place: String, line: String) -> ConfigError {
        ConfigError(
            """
            *** FATAL CONFIG FILE ERROR (Latchkey \(Usage.version)) ***
            Reading \(place)
            >>> '\(line)'
            \(problem)
            """)
    }

    /// Splits a line into words as redis.conf does: spaces separate; "double quotes" allow
    /// \n \r \t \b \a \\ \" and \xHH escapes; 'single quotes' allow \' only. A closing quote must
    /// be followed by a space or the end. Returns nil for unbalanced quotes.
    public static func splitArguments(_ line: String) -> [String]? {
        var words: [String] = []
        let b = Array(line.utf8)
        var i = 0
        func isSpace(_ c: UInt8) -> Bool { c == 32 || c == 9 || c == 10 || c == 13 || c == 11 || c == 12 }
        while true {
            while i < b.count, isSpace(b[i]) { i += 1 }
            if i >= b.count { return words }
            var word: [UInt8] = []
            let quote: UInt8? = (b[i] == 34 || b[i] == 39) ? b[i] : nil
            if quote != nil { i += 1 }
            while true {
                if i >= b.count {
                    if quote != nil { return nil }
                    break
                }
                let c = b[i]
                if let q = quote {
                    if q == 34, c == 92, i + 3 < b.count, b[i + 1] == 120, let h = hex(b[i + 2]), let l = hex(b[i + 3])
                    {
                        word.append(h << 4 | l)
                        i += 4
                    } else if c == 92, i + 1 < b.count, q == 34 {
                        let e = b[i + 1]
                        word.append(e == 110 ? 10 : e == 114 ? 13 : e == 116 ? 9 : e == 98 ? 8 : e == 97 ? 7 : e)
                        i += 2
                    } else if c == 92, q == 39, i + 1 < b.count, b[i + 1] == 39 {
                        word.append(39)
                        i += 2
                    } else if c == q {
                        i += 1
                        if i < b.count, !isSpace(b[i]) { return nil }
                        break
                    } else {
                        word.append(c)
                        i += 1
                    }
                } else {
                    if isSpace(c) { break }
                    word.append(c)
                    i += 1
                }
            }
            words.append(String(decoding: word, as: UTF8.self))
        }
    }

    private static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: return nil
        }
    }

    /// Reads a whole file as UTF-8 text (nil when it cannot be opened).
    public static func readTextFile(_ path: String) -> String? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
            if n <= 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
