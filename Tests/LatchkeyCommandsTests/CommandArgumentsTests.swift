import LatchkeyCore
import LatchkeyRESP
import LatchkeyTestSupport
// COMMAND DOCS `arguments`: every command row has a syntax that fits its arity, the notation parses into Redis's
// nested argument maps, and the usage line redis-cli builds from them reads as Redis's does.
import Testing

@testable import LatchkeyCommands

/// The hint line redis-cli 7 builds from COMMAND DOCS arguments (its cliAddArgument rules).
private func usage(_ args: [ArgumentDoc], separator: String = " ") -> String {
    args.map { a -> String in
        var repeatPart = ""
        switch a.type {
        case "oneof": repeatPart = usage(a.children, separator: "|")
        case "block": repeatPart = usage(a.children)
        case "pure-token": break
        default: repeatPart = a.name
        }
        var token = a.token ?? ""
        if !token.isEmpty && a.type != "pure-token" { token += " " }
        var s = token + repeatPart
        if a.multiple { s += " [" + repeatPart + " ...]" }
        return a.optional ? "[" + s + "]" : s
    }.joined(separator: separator)
}

/// Every spec and subcommand of the table by `fullName`.
private func allSpecs() -> [String: CommandSpec] {
    var out: [String: CommandSpec] = [:]
    for spec in CommandTable.all {
        out[spec.fullName] = spec
        for sub in spec.subcommands { out[sub.fullName] = sub }
    }
    return out
}

private func syntax(_ fullName: String) -> String { allSpecs()[fullName]!.syntax }

@Suite("COMMAND DOCS arguments") struct CommandArgumentsTests {
    @Test("COMMAND DOCS - every command and subcommand row carries a syntax that fits its arity")
    func everyCommandHasSyntax() {
        for spec in allSpecs().values {
            if !spec.subcommands.isEmpty {
                #expect(spec.syntax.isEmpty, "a container's subcommands carry the syntax: \(spec.fullName)")
                continue
            }
            // Arguments after the name (and the subcommand's name): required ones need a syntax,
            // a command that takes none has an empty one.
            let named = spec.parent == nil ? 1 : 2
            let maxRequired = abs(spec.arity) - named
            if spec.arity == named { #expect(spec.syntax.isEmpty, "\(spec.fullName) takes no arguments") }
            if maxRequired > 0 { #expect(!spec.syntax.isEmpty, "\(spec.fullName) has required arguments") }
        }
    }

    @Test("COMMAND DOCS - syntax parses into Redis's nested argument maps") func parse() {
        let set = ArgumentDoc.parse(syntax("set"))
        #expect(set.count == 5)
        #expect(set[0] == ArgumentDoc(name: "key", type: "key"))
        #expect(set[1] == ArgumentDoc(name: "value", type: "string"))
        #expect(set[2].name == "condition" && set[2].type == "oneof" && set[2].optional)
        #expect(set[2].children[0] == ArgumentDoc(name: "nx", type: "pure-token", token: "NX"))
        #expect(set[3] == ArgumentDoc(name: "get", type: "pure-token", token: "GET", optional: true))
        #expect(set[4].children[0] == ArgumentDoc(name: "seconds", type: "integer", token: "EX"))
        let del = ArgumentDoc.parse("key...")
        #expect(del == [ArgumentDoc(name: "key", type: "key", multiple: true)])
    }

    @Test("COMMAND DOCS - the usage redis-cli builds matches Redis's help lines") func usageLines() {
        func line(_ name: String) -> String { usage(ArgumentDoc.parse(syntax(name))) }
        #expect(line("get") == "key")
        #expect(line("del") == "key [key ...]")
        #expect(line("expire") == "key seconds [NX|XX|GT|LT]")
        #expect(line("scan") == "cursor [MATCH pattern] [COUNT count] [TYPE type]")
        #expect(line("eval") == "script numkeys [key [key ...]] [arg [arg ...]]")
        #expect(line("hello") == "[protover [AUTH username password] [SETNAME clientname]]")
        #expect(line("config|set") == "parameter value [parameter value ...]")
        #expect(line("set").hasPrefix("key value [NX|XX|"))
        #expect(
            line("set").hasSuffix(
                "[GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]"))
    }

    @Test("COMMAND DOCS - entries carry arguments with flags as a set") func docsReply() {
        let t = Transcript()
        guard case .array(let docs) = t.send("COMMAND", "DOCS", "get") else {
            Issue.record("DOCS")
            return
        }
        guard case .array(let entry) = docs[1] else {
            Issue.record("entry")
            return
        }
        #expect(entry.contains(bulk("arguments")))
        #expect(entry.last == .array([.array([bulk("name"), bulk("key"), bulk("type"), bulk("key")])]))
        t.send("HELLO", "3")
        guard case .map(let m) = t.send("COMMAND", "DOCS", "flushdb") else {
            Issue.record("DOCS3")
            return
        }
        guard case .map(let e) = m[0].value, let args = e.first(where: { $0.key == bulk("arguments") })?.value,
            case .array(let list) = args, case .map(let arg) = list[0]
        else {
            Issue.record("arguments")
            return
        }
        #expect(arg.first(where: { $0.key == bulk("flags") })?.value == .set([.simpleString(Bytes(utf8: "optional"))]))
    }
}
