import NIOCore

/// Turns Nagle's algorithm off on an accepted connection (`TCP_NODELAY`).
///
/// Hummingbird writes a response's head and body separately; with Nagle on, the second small
/// write waits for the client's delayed ACK (~40 ms on Linux) on every request of a kept-alive
/// connection, which would swamp any modelled latency. SwiftNIO sets `TCP_NODELAY` on the
/// listening socket, which Linux copies to accepted ones; Hummingbird offers no child-channel
/// option, so this handler sets it on each connection as well rather than rely on that.
final class NoDelayHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = Never

    func handlerAdded(context: ChannelHandlerContext) {
        // Called on the channel's event loop, before the first request is read.
        try? context.channel.syncOptions?.setOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }
}
