// INFO [section ...]: Redis 7.0's text format (`# Section` headers, `field:value` lines, CRLF) with
// every section and field redis-server 7.0 prints, in its order. Sections are chosen as Redis
// does (`default`, `all`, `everything`, several names, unknown names ignored) and always come out
// in Redis's order. Values that have no Latchkey counterpart are Redis's idle values (0, -1, ok);
// docs/resp.md lists them. Section bodies are in InfoCommand+Sections.swift.
import LatchkeyCore
import LatchkeyRESP

enum InfoCommand {
    /// Every section, in the order Redis prints them.
    static let order = [
        "server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules", "commandstats",
        "errorstats", "latencystats", "cluster", "keyspace",
    ]
    /// What `INFO` and `INFO default` print.
    static let defaultSections: Set<String> = [
        "server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules", "errorstats", "cluster",
        "keyspace",
    ]

    /// The sections `INFO args...` prints (lower-cased names; unknown names select nothing).
    static func select(_ args: [String]) -> [String] {
        if args.isEmpty { return order.filter { defaultSections.contains($0) } }
        var wanted: Set<String> = []
        for a in args {
            switch a {
            case "all", "everything": wanted.formUnion(order)
            case "default": wanted.formUnion(defaultSections)
            default: wanted.insert(a)
            }
        }
        return order.filter { wanted.contains($0) }
    }

    /// INFO [section [section ...]]
    static func info(_ ctx: CommandContext) {
        var args: [String] = []
        for i in 1..<ctx.argc { args.append(ctx[i].string.lowercased()) }
        var text = ""
        for (n, s) in select(args).enumerated() {
            if n > 0 { text += "\r\n" }
            text += "# " + title(s) + "\r\n"
            for line in lines(s, ctx) { text += line + "\r\n" }
        }
        ctx.reply.bulk(Bytes(text.utf8))
    }

    static func title(_ section: String) -> String {
        section == "cpu" ? "CPU" : section.prefix(1).uppercased() + section.dropFirst()
    }

    /// The `field:value` lines of one section.
    static func lines(_ section: String, _ ctx: CommandContext) -> [String] {
        switch section {
        case "server": return server(ctx)
        case "clients": return clients(ctx)
        case "memory": return memory(ctx)
        case "persistence": return persistence(ctx)
        case "stats": return stats(ctx)
        case "replication": return replication(ctx)
        case "cpu": return cpu()
        case "commandstats": return commandstats(ctx)
        case "errorstats": return errorstats(ctx)
        case "cluster": return ["cluster_enabled:0"]
        case "keyspace": return keyspace(ctx)
        default: return []  // modules, latencystats (not measured)
        }
    }

    // MARK: formatting helpers

    static func human(_ n: Int) -> String {
        let d = Double(n)
        if d >= 1024 * 1024 * 1024 { return fixed(d / (1024 * 1024 * 1024), 2) + "G" }
        if d >= 1024 * 1024 { return fixed(d / (1024 * 1024), 2) + "M" }
        if d >= 1024 { return fixed(d / 1024, 2) + "K" }
        return "\(n)B"
    }

    /// `d` with exactly `places` decimals (printf's %.Nf), without Foundation.
    static func fixed(_ d: Double, _ places: Int) -> String {
        guard d.isFinite else { return "0." + String(repeating: "0", count: places) }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = (abs(d) * scale).rounded()
        guard scaled < 9e18 else { return String(d) }
        let whole = Int64(scaled)
        let s = Int64(scale)
        let frac = String(whole % s)
        let sign = d < 0 && whole != 0 ? "-" : ""
        return sign + String(whole / s) + "." + String(repeating: "0", count: places - frac.count) + frac
    }

    /// `part / whole` as a percentage with two decimals (`98.74%`).
    static func percent(_ part: Int, _ whole: Int) -> String {
        whole > 0 ? fixed(Double(part) * 100 / Double(whole), 2) + "%" : "0.00%"
    }

    static func ratio(_ a: Int, _ b: Int) -> String { b > 0 ? fixed(Double(a) / Double(b), 2) : "0.00" }
}
