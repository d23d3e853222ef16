// The `arguments` field of COMMAND DOCS (redis-cli builds its typing hints from it): each
// command's row carries its usage string (`CommandSpec.syntax`), and `ArgumentDoc.parse` turns
// it into Redis's nested argument maps. Read only by COMMAND DOCS, never on the command path.

/// One entry of COMMAND DOCS' `arguments` (Redis's argument map).
struct ArgumentDoc: Equatable {
    var name: String
    var type: String
    var token: String? = nil
    var optional = false
    var multiple = false
    var children: [ArgumentDoc] = []

    /// Parses a command's usage syntax. Notation:
    /// - `name` is an argument of type string (`key` is of type key); `name<type>` gives the type
    ///   (integer, double, pattern, unix-time, key, string).
    /// - An UPPER-case word is a token: alone it is a pure token; before an argument or a `( ... )`
    ///   group it is that argument's or group's token (`EX seconds<integer>`,
    ///   `AUTH (username_password: username password)`).
    /// - `[ ... ]` is optional, `( ... )` required; `|` makes it a oneof; a leading `label:` names
    ///   the group; several items in one alternative form a block. `...` after an item: multiple.
    static func parse(_ text: String) -> [ArgumentDoc] {
        var parser = Parser(tokens: tokenize(text))
        return parser.sequence()
    }

    /// Words, with `[ ] ( ) |` as tokens of their own.
    static func tokenize(_ text: String) -> [String] {
        var out: [String] = []
        var word = ""
        for c in text {
            if c == " " || "[]()|".contains(c) {
                if !word.isEmpty {
                    out.append(word)
                    word = ""
                }
                if c != " " { out.append(String(c)) }
            } else {
                word.append(c)
            }
        }
        if !word.isEmpty { out.append(word) }
        return out
    }

    private struct Parser {
        let tokens: [String]
        var i = 0
        init(tokens: [String]) { self.tokens = tokens }

        var peek: String? { i < tokens.count ? tokens[i] : nil }

        /// Items up to a closing bracket, a `|` or the end.
        mutating func sequence() -> [ArgumentDoc] {
            var items: [ArgumentDoc] = []
            while let t = peek, t != "]", t != ")", t != "|" { items.append(item()) }
            return items
        }

        mutating func item() -> ArgumentDoc {
            var t = tokens[i]
            i += 1
            var doc: ArgumentDoc
            if t == "[" || t == "(" {
                doc = group(optional: t == "[")
                if peek == "..." {
                    i += 1
                    doc.multiple = true
                }
                return doc
            }
            var multiple = false
            if t.hasSuffix("...") {
                t.removeLast(3)
                multiple = true
            }
            if let first = t.first, first.isUppercase {
                // A token: it labels the argument or required group that follows, or stands alone.
                if peek == "(" {
                    var block = item()
                    block.token = t
                    return block
                }
                if let next = peek, let f = next.first, f.isLowercase, !next.hasSuffix(":") {
                    var arg = item()
                    arg.token = t
                    return arg
                }
                doc = ArgumentDoc(name: t.lowercased(), type: "pure-token", token: t)
            } else {
                var name = t
                var type = t == "key" ? "key" : "string"
                if let open = t.firstIndex(of: "<"), t.hasSuffix(">") {
                    name = String(t[..<open])
                    type = String(t[t.index(after: open)..<t.index(before: t.endIndex)])
                }
                doc = ArgumentDoc(name: name, type: type)
            }
            doc.multiple = multiple
            return doc
        }

        /// After `[` or `(`: `[label:] alternative (| alternative)*` and the closing bracket.
        mutating func group(optional: Bool) -> ArgumentDoc {
            var label: String?
            if let t = peek, t.hasSuffix(":") {
                label = String(t.dropLast())
                i += 1
            }
            var alternatives: [[ArgumentDoc]] = [sequence()]
            while peek == "|" {
                i += 1
                alternatives.append(sequence())
            }
            i += 1  // ] or )
            var doc: ArgumentDoc
            if alternatives.count > 1 {
                let members = alternatives.map { alt -> ArgumentDoc in
                    alt.count == 1 ? alt[0] : ArgumentDoc(name: alt[0].name, type: "block", children: alt)
                }
                doc = ArgumentDoc(name: label ?? members[0].name, type: "oneof", children: members)
            } else if alternatives[0].count == 1 && label == nil {
                doc = alternatives[0][0]
            } else {
                doc = ArgumentDoc(
                    name: label ?? alternatives[0].first?.name ?? "block", type: "block", children: alternatives[0])
            }
            if optional { doc.optional = true }
            return doc
        }
    }
}
