// One HTTP connection: feeds the connection's bytes to the request parser, answers each complete
// request in order (pipelined requests included) and keeps the connection open unless the
// request or an error says otherwise. Parse failures get their 4xx/5xx and a close, as the
// bytes after a malformed request cannot be trusted. Routing and meaning are in Router.swift.
import LatchkeyCore
import LatchkeyHTTP

final class HTTPSession: ProtocolSession {
    let client: ClientInfo
    unowned let frontEnd: ManagementFrontEnd
    var parser: HTTPRequestParser
    var closing = false

    init(client: ClientInfo, frontEnd: ManagementFrontEnd) {
        self.client = client
        self.frontEnd = frontEnd
        parser = HTTPRequestParser(limits: frontEnd.limits)
    }

    func receive(_ input: UnsafeRawBufferPointer) -> Int {
        var offset = 0
        let outbox = client.outbox
        while !closing, offset < input.count {
            switch parser.next(UnsafeRawBufferPointer(rebasing: input[offset...])) {
            case .needMoreData:
                if parser.continueDue {
                    parser.continueDue = false
                    outbox.bytes.append(contentsOf: "HTTP/1.1 100 Continue\r\n\r\n".utf8)
                    outbox.markDirty()
                }
                return offset
            case .failure(let status):
                let body = ManagementErrors.body(error: "bad_request", reason: status.reason.lowercased())
                HTTPResponse(status: status, contentType: "application/json", body: body).write(
                    into: &outbox.bytes, close: true)
                finish()
                return input.count
            case .request(let request, let consumed):
                offset += consumed
                frontEnd.context.refreshNow()
                let response = Router(frontEnd: frontEnd, request: request, client: client).respond()
                let keepAlive = request.keepAlive
                response.write(into: &outbox.bytes, headOnly: request.method == "HEAD", close: !keepAlive)
                outbox.markDirty()
                if !keepAlive { finish() }
            }
        }
        return closing ? input.count : offset
    }

    private func finish() {
        closing = true
        client.requestClose()
    }

    func connectionClosed() { frontEnd.sessions[client.id] = nil }
}
