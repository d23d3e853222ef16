// libFuzzer entry point for the configuration parser (built by run_config.sh, one module with
// LatchkeyCore, ConfigParser.swift and Usage.swift). The input is a config file's text and, after
// a NUL, command-line words (split on NUL bytes too), then CONFIG SET pairs. Checks: nothing
// traps; every accepted configuration can be read back through the typed accessors (int for
// integer and memory directives, bool for booleans), which is what the server does at start-up
// and after CONFIG SET; a value CONFIG GET shows is accepted again unchanged.
let scratch = Config()

func readBack(_ config: Config) {
    for d in ConfigTable.directives {
        switch d.kind {
        case .integer(let range): precondition(range.contains(config.int(d.key)), "\(d.name) out of its range")
        case .memory, .memoryIn: precondition(config.int(d.key) >= 0, "\(d.name) negative")
        case .bool: _ = config.bool(d.key)
        default: _ = config.string(d.key)
        }
        let shown = config.string(d.key)
        precondition(scratch.set(d.name, shown) == nil, "CONFIG GET value of \(d.name) is not accepted again: \(shown)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput") public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let parts = bytes.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
    let text = String(decoding: parts.first ?? [], as: UTF8.self)
    let argv = parts.count > 1 ? String(decoding: parts[1], as: UTF8.self).split(separator: " ").map(String.init) : []
    let sets = parts.count > 2 ? String(decoding: parts[2], as: UTF8.self).split(separator: " ").map(String.init) : []

    _ = ConfigParser.splitArguments(text)
    let config = Config()
    if (try? ConfigParser.apply(text: text, to: config, source: "fuzz.conf")) != nil { readBack(config) }
    if let request = try? ConfigParser.parse(arguments: argv, readFile: { _ in text }) { readBack(request.config) }
    // CONFIG SET pairs on a live config: every accepted value must read back.
    var i = 0
    while i + 1 < sets.count {
        _ = config.set(sets[i], sets[i + 1])
        i += 2
    }
    readBack(config)
    return 0
}
