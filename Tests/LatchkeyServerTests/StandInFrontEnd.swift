// A minimal RESP front end for testing the connection layer on its own (limits, pipelining,
// shutdown, output holds) without the command engine: it answers PING (inline or multibulk) with
// +PONG and anything else with -ERR not yet wired. The server itself uses CommandEngine.
import LatchkeyCore

/// Makes StandInSessions.
public final class StandInFrontEnd: FrontEnd {
    let context: ServerContext
    /// A stand-in for the RESP command engine.
    public init(context: ServerContext) { self.context = context }
    public func makeSession(client: ClientInfo) -> ProtocolSession { StandInSession(outbox: client.outbox) }
    public func cron() {}
    /// Redis's maxclients line, so the connection layer's refusal can be tested without the engine.
    public func rejectionBytes(for refusal: ConnectionRefusal) -> Bytes? {
        refusal == .tooManyClients ? Array("-ERR max number of clients reached\r\n".utf8) : nil
    }
}

/// Splits requests just enough to recognise PING; not a real RESP decoder.
final class StandInSession: ProtocolSession {
    let outbox: Outbox
    init(outbox: Outbox) { self.outbox = outbox }

    func receive(_ input: UnsafeRawBufferPointer) -> Int {
        let b = input.bindMemory(to: UInt8.self)
        var pos = 0
        while pos < b.count, !outbox.closeAfterFlush {
            guard let (command, next) = b[pos] == UInt8(ascii: "*") ? multibulk(b, pos) : inline(b, pos) else { break }
            pos = next
            guard let command else { continue }  // empty inline line: no reply
            let isPing = command.count == 4 && command.elementsEqual("PING".utf8) { ASCII.upper($0) == $1 }
            outbox.bytes.append(contentsOf: isPing ? Array("+PONG\r\n".utf8) : Array("-ERR not yet wired\r\n".utf8))
            outbox.markDirty()
        }
        return pos
    }

    /// One CRLF-terminated line starting at `from`: (end of text, start of next line).
    private func line(_ b: UnsafeBufferPointer<UInt8>, _ from: Int) -> (Int, Int)? {
        var i = from
        while i < b.count, b[i] != 10 { i += 1 }
        guard i < b.count else { return nil }
        return (i > from && b[i - 1] == 13 ? i - 1 : i, i + 1)
    }

    private func inline(_ b: UnsafeBufferPointer<UInt8>, _ from: Int) -> ([UInt8]?, Int)? {
        guard let (end, next) = line(b, from) else { return nil }
        let words = b[from..<end].split(separator: 32)
        return (words.first.map(Array.init), next)
    }

    private func multibulk(_ b: UnsafeBufferPointer<UInt8>, _ from: Int) -> ([UInt8]?, Int)? {
        guard let (end, next) = line(b, from + 1) else { return nil }
        guard let count = Int(String(decoding: b[(from + 1)..<end], as: UTF8.self)), count >= 0 else {
            return protocolError()
        }
        var pos = next
        var first: [UInt8]?
        for i in 0..<count {
            guard pos < b.count else { return nil }
            guard b[pos] == UInt8(ascii: "$") else { return protocolError() }
            guard let (lenEnd, dataStart) = line(b, pos + 1) else { return nil }
            guard let len = Int(String(decoding: b[(pos + 1)..<lenEnd], as: UTF8.self)), len >= 0 else {
                return protocolError()
            }
            guard dataStart + len + 2 <= b.count else { return nil }
            if i == 0 { first = Array(b[dataStart..<(dataStart + len)]) }
            pos = dataStart + len + 2
        }
        return (first, pos)
    }

    private func protocolError() -> ([UInt8]?, Int)? {
        outbox.bytes.append(contentsOf: Array("-ERR Protocol error\r\n".utf8))
        outbox.closeAfterFlush = true
        outbox.markDirty()
        return nil
    }

    func connectionClosed() {}
}
