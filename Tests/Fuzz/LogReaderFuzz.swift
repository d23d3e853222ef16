// libFuzzer entry point for the log reader on mutated logs (built by run_log.sh, one module with
// LatchkeyCore and LatchkeyLog). The first input byte picks how the file is built: raw bytes, a
// valid header + raw bytes, or a valid log of records made from the input with a few bytes
// flipped/cut where the input says. Checks: replay never crashes; after a replay that cut a torn
// tail the file replays cleanly to the same records; --check-log --fix either refuses (file
// unchanged) or leaves a file that checks clean; the codec never accepts what replay rejects.
import Glibc

/// Where the harness writes its files: LOG_FUZZ_DIR (run_log.sh points it at a tmpfs directory it
/// removes afterwards, so the fsyncs of --fix cost nothing), else a new directory in /dev/shm.
let fuzzDir: String = {
    if let d = getenv("LOG_FUZZ_DIR") { return String(cString: d) }
    var template = Array("/dev/shm/latchkey-logfuzz-XXXXXX".utf8CString)
    let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    return String(cString: p!)
}()

func writeFile(_ path: String, _ bytes: [UInt8]) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    precondition(fd >= 0)
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
}

func readFile(_ path: String) -> [UInt8] {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return [] }
    defer { close(fd) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        out.append(contentsOf: chunk[0..<n])
    }
    return out
}

/// A log of records built from the input: each record takes a few bytes as key and value.
func validLog(from input: ArraySlice<UInt8>) -> [UInt8] {
    var out = RecordCodec.fileHeader()
    var rest = input
    var n = 0
    while !rest.isEmpty && n < 64 {
        let take = Int(rest.first! % 13)
        let piece = Array(rest.prefix(take))
        rest = rest.dropFirst(max(1, take))
        let record: LogRecord
        switch n % 5 {
        case 0: record = .set(db: Int(piece.first ?? 0) % 16, key: piece, value: piece.reversed(), expireAtMs: Int64(n))
        case 1: record = .delete(db: 0, key: piece)
        case 2: record = .expireAt(db: 1, key: piece, atMs: Int64(piece.count) << 40)
        case 3:
            record = .messageEnqueued(
                vhost: [47], queue: piece, id: UInt64(n), exchange: [], routingKey: piece, content: piece)
        default: record = .queueDeclared(vhost: [47], name: piece, autoDelete: n & 8 != 0, arguments: [])
        }
        RecordCodec.encode(record, into: &out)
        n += 1
    }
    return out
}

@_cdecl("LLVMFuzzerTestOneInput") public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 1 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    var file: [UInt8]
    switch data[0] % 3 {
    case 0: file = input
    case 1: file = RecordCodec.fileHeader() + input
    default:
        // Half the input builds records, the other half says where to flip or cut.
        let half = input.count / 2
        file = validLog(from: input[..<half])
        var edits = input[half...]
        while edits.count >= 2, !file.isEmpty {
            let at = (Int(edits.first!) << 8 | Int(edits.dropFirst().first!)) % file.count
            edits = edits.dropFirst(2)
            if at % 17 == 0 { file.removeSubrange(at...) } else { file[at] ^= UInt8(1 << (at % 8)) }
        }
    }
    let path = fuzzDir + "/f.aof"
    writeFile(path, file)
    _ = RecordCodec.decodeAll(file)

    var first: [LogRecord] = []
    let report = try? LogReader.replay(path: path, truncateTornTail: true) { first.append($0) }
    if let report, report.truncated {
        var again: [LogRecord] = []
        guard let second = try? LogReader.replay(path: path, truncateTornTail: false, { again.append($0) }) else {
            fatalError("a log cut at its torn tail does not replay cleanly")
        }
        precondition(second.tornTail == nil && again == first, "replay after the cut differs")
    }

    writeFile(path, file)
    let before = readFile(path)
    let fixed = checkLog(path, fix: true)
    if fixed.fixed {
        precondition(checkLog(path, fix: false).exitCode == 0, "a fixed log does not check clean")
        if let cut = fixed.damagedAt {
            precondition(readFile(path + ".cut-\(cut)") == Array(before[Int(cut)...]), "backup differs from the cut")
            unlink(path + ".cut-\(cut)")
        }
    } else if fixed.exitCode != 0 {
        precondition(readFile(path) == before, "a refused fix changed the file")
    }
    return 0
}
