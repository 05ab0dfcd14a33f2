import Foundation
import Synchronization

/// The state every listener shares: the drive, links, tokens, faults, the WAN model and the log.
final class EmulatorCore: Sendable {
    let configuration: EmulatorConfiguration
    let drive: Drive
    let links = DownloadLinks()
    let tokens: TokenTable
    let faults = FaultController()
    let log: RequestLog
    let connections = ConnectionRegistry()
    let wan: WANModel
    let controlSecret: String
    /// `host:port` of the HTTPS listener, placed in `getfilelink`'s `hosts`.
    private let contentHostBox = Mutex("")

    init(configuration: EmulatorConfiguration) throws {
        self.configuration = configuration
        self.drive = try Drive(root: configuration.root)
        self.tokens = TokenTable(tokens: configuration.tokens, region: configuration.region)
        self.log = try RequestLog(file: configuration.requestLogFile)
        self.wan = WANModel(configuration.wan)
        self.controlSecret = configuration.controlSecret ?? DownloadLinks.randomToken(bytes: 16)
    }

    var contentHost: String {
        get { contentHostBox.withLock { $0 } }
        set { contentHostBox.withLock { $0 = newValue } }
    }
}
