// STUB owned by the connection layer until the broker branch replaces this file: one AMQP channel.
// ConnectionSession handles channel.open/close/flow and content assembly itself and hands every
// other method of classes 40/50/60/85/90 to `handle`, and every assembled basic.publish to
// `handleContent`. This stub answers everything with 540 NOT_IMPLEMENTED.
import LatchkeyAMQP
import LatchkeyCore

/// One open channel of a connection.
package final class ChannelSession {
    /// The channel number (1...channel_max).
    package let number: UInt16
    /// The connection this channel belongs to (it owns the channel).
    package unowned let connection: ConnectionSession

    package init(number: UInt16, connection: ConnectionSession) {
        self.number = number
        self.connection = connection
    }

    /// Handles one method of classes exchange/queue/basic/confirm/tx (basic.publish arrives
    /// through `handleContent` instead, once its content is complete). Throws a channel or
    /// connection exception; ConnectionSession closes the channel or connection accordingly and
    /// fills in the method's class/method ids when the exception carries none.
    package func handle(_ method: AMQPMethod) throws(AMQPException) {
        throw .notImplemented(
            "method \(method.name) is not implemented yet", classID: method.classID, methodID: method.methodID)
    }

    /// A complete basic.publish: the method, its properties and the assembled body.
    package func handleContent(
        publish: AMQPMethod.BasicPublish, properties: BasicProperties, body: Bytes
    ) throws(AMQPException) {
        throw .notImplemented("basic.publish is not implemented yet", classID: 60, methodID: 40)
    }

    /// The channel is closing (client or server initiated) or its connection went away:
    /// release consumers and requeue unacknowledged messages. Called exactly once.
    package func close() {}
}
