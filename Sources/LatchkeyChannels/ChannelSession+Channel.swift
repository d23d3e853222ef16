// channel.*: the client's channel.close (released now, close-ok back), channel.flow (only
// active=true, as RabbitMQ), raising a channel exception (channel.close from us, then only
// close/close-ok are read until close-ok). channel.open is the connection's (it makes the channel).
import LatchkeyAMQP
import LatchkeyCore

extension ChannelSession {
    /// channel.close from the client: release everything, forget the number, answer close-ok.
    func closedByClient() {
        connection.forget(self)
        close()
        send(.channelCloseOk(.init()))
    }

    /// channel.flow(active). RabbitMQ refuses to pause deliveries on request.
    func channelFlow(_ m: AMQPMethod.ChannelFlow) throws(AMQPException) {
        guard m.active else { throw AMQPException.notImplemented("active=false") }
        send(.channelFlowOk(.init(active: true)))
    }

    /// A channel exception on this channel: partial content is dropped, the channel released
    /// (consumers cancelled, unacked requeued) and channel.close sent; the number stays taken
    /// until the client's close-ok.
    package func raise(_ e: AMQPException) {
        guard state == .open else { return }
        assembly.reset()
        close()
        state = .closing
        send(
            .channelClose(
                .init(replyCode: e.code.rawValue, replyText: e.text, classId: e.classID, methodId: e.methodID)))
    }

    /// After we sent channel.close the channel ignores all but channel.close / close-ok.
    func closingFrame(_ f: Frame) {
        guard f.type == FrameType.method, let m = try? AMQPMethod.decode(f.payload) else { return }
        switch m {
        case .channelCloseOk:
            state = .closed
            connection.forget(self)
        case .channelClose: send(.channelCloseOk(.init()))
        default: return
        }
    }
}
