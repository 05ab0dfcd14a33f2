import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Secrets given in the environment (`DUPFS_PASSPHRASE`, `PCLOUD_AUTHID`, `DUPFS_CONFIG_PASSPHRASE`), taken out of it for
/// good.
///
/// `unsetenv` only drops a variable from the C library's list: the block the kernel shows as
/// `/proc/PID/environ` keeps the bytes for the life of the process. So, before anything else
/// runs, the process executes itself again (`execve`, same PID and arguments) with an
/// environment without them, and hands them over through a pipe whose number is in
/// `DUPFS_SECRETS_FD`; the new image reads them once at start and closes the pipe. This is the
/// mechanism the background mount uses (a fresh image, secrets through a pipe), without a second
/// process.
enum EnvironmentSecrets {
    /// The variables moved out of the environment.
    static let names = ["DUPFS_PASSPHRASE", "PCLOUD_AUTHID", "DUPFS_CONFIG_PASSPHRASE"]
    /// The variable naming the pipe in the new image.
    static let descriptorVariable = "DUPFS_SECRETS_FD"

    /// What the previous image handed over (read on first use, which `main` makes early).
    static let handed: [String: String] = readHanded()

    /// The passphrase handed over, if any.
    static var passphrase: String? { handed["DUPFS_PASSPHRASE"] }
    /// The password of an encrypted Duplicati job export, if any.
    static var configPassphrase: String? { handed["DUPFS_CONFIG_PASSPHRASE"] }
    /// The pCloud token handed over, if any.
    static var token: String? { handed["PCLOUD_AUTHID"] }

    /// Executes this program again without the secret variables when one is set; returns only
    /// when there is nothing to do or `execve` failed (then the caller goes on as before, and
    /// the variables are dropped with `unsetenv` when read).
    static func reexecuteWithoutSecrets() {
        let environment = ProcessInfo.processInfo.environment
        guard environment[descriptorVariable] == nil else { return }
        let secrets = environment.filter { names.contains($0.key) }
        guard !secrets.isEmpty, let payload = try? JSONSerialization.data(withJSONObject: secrets),
              payload.count < 60_000  // fits in the pipe's buffer: nobody reads before execve
        else { return }
        var pipeFDs: [Int32] = [0, 0]
        guard pipe(&pipeFDs) == 0 else { return }
        let written = payload.withUnsafeBytes { write(pipeFDs[1], $0.baseAddress!, $0.count) }
        close(pipeFDs[1])
        guard written == payload.count else { close(pipeFDs[0]); return }
        var kept = environment.filter { !names.contains($0.key) }
        kept[descriptorVariable] = String(pipeFDs[0])
        let argv = CommandLine.arguments.map { strdup($0) } + [nil]
        let envp = kept.map { strdup("\($0.key)=\($0.value)") } + [nil]
        execve("/proc/self/exe", argv, envp)
        // Still here: execve failed. Carry on with the variables as they are.
        argv.forEach { free($0) }
        envp.forEach { free($0) }
        close(pipeFDs[0])
    }

    private static func readHanded() -> [String: String] {
        guard let text = getenv(descriptorVariable), let fd = Int32(String(cString: text)), fd > 2 else { return [:] }
        unsetenv(descriptorVariable)
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while data.count < 1 << 20 {
            let n = read(fd, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            data += buffer[0..<n]
        }
        close(fd)
        return (try? JSONSerialization.jsonObject(with: Data(data)) as? [String: String]) ?? [:]
    }
}
