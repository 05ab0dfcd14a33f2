import Hummingbird
import NIOCore

/// The per-request context: Hummingbird's core storage plus the TCP connection it arrived on.
struct EmulatorContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}
