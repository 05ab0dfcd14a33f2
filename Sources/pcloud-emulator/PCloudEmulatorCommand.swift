import ArgumentParser
import Foundation
import PCloudEmulator

/// `pcloud-emulator`: a loopback stand-in for pCloud, for tests and demos.
@main
struct PCloudEmulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pcloud-emulator",
        abstract: "A loopback pCloud API emulator for tests.",
        subcommands: [Serve.self],
        defaultSubcommand: Serve.self)
}
