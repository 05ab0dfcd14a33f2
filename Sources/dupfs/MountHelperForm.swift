/// `dupfs SOURCE MOUNTPOINT -o OPTIONS`: the form `mount.fuse3` runs for filesystem type
/// `fuse.dupfs` (an fstab line, `mount -t fuse.dupfs`, a systemd .mount unit), turned into
/// `dupfs mount ...` arguments.
///
/// mount.fuse3 passes the source, the mountpoint and one `-o` with the options it did not
/// consume itself (it drops `_netdev`, `nofail`, `x-*`, and turns `user` into
/// `nosuid,nodev,noexec`); mount(8) adds `ro`/`rw` and the like. `-o` keys that name our options
/// (`cache_dir=DIR`) become `--cache-dir DIR`; the mount flags and FUSE's own options are kept
/// or dropped; anything else is refused by name, so a typo never mounts with a default.
enum MountHelperForm {
    /// `-o` keys that are dupfs options: `key=value` becomes `--key-with-dashes value`.
    static let valueOptions = [
        "cache_dir", "passphrase_file", "authid_file", "pcloud_api", "ca_file", "prefix", "log_level", "log_file",
        "cache_size", "memory_cache", "io_timeout", "duplicati_config", "passphrase_command",
    ]
    /// `-o` keys that are dupfs flags: `key` becomes `--key`.
    static let flagOptions = ["history"]
    /// fstab and mount(8) keys that mean nothing to the filesystem itself.
    static let ignored: Set<String> = ["_netdev", "nofail", "noauto", "auto", "user", "users", "nouser", "defaults", "owner", "group", "comment"]
    /// Mount flags: a dupfs mount is read-only whatever they say; the others go to the kernel.
    static let mountFlags: Set<String> = ["ro", "rw", "dev", "suid", "nodev", "nosuid", "exec", "noexec"]
    /// FUSE's own mount options, handed to libfuse as given.
    static let fuseOptions: Set<String> = [
        "allow_other", "allow_root", "default_permissions", "auto_unmount", "max_read", "blkdev", "blksize",
        "fsname", "subtype", "context", "fscontext", "defcontext", "rootcontext", "atime", "noatime", "relatime",
        "norelatime", "strictatime", "nostrictatime", "lazytime", "nolazytime", "sync", "async", "dirsync",
    ]

    /// Why the helper form's arguments cannot be used.
    struct Refusal: Error {
        let message: String
    }

    /// Whether `arguments` (without the program name) are the helper form: a first argument that
    /// is neither a subcommand nor an option other than `-o` (some callers put the options first).
    static func applies(to arguments: [String], subcommands: [String]) -> Bool {
        guard let first = arguments.first else { return false }
        if first.hasPrefix("-o") { return true }
        return !first.hasPrefix("-") && !subcommands.contains(first)
    }

    /// The `dupfs mount` arguments for the helper form.
    /// - Throws: ``Refusal`` naming an unknown `-o` key or a malformed command line.
    static func mountArguments(from arguments: [String]) throws(Refusal) -> [String] {
        var positional: [String] = []
        var options: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "-o" {
                guard index < arguments.count else { throw Refusal(message: "-o needs a value") }
                options += split(arguments[index])
                index += 1
            } else if argument.hasPrefix("-o") {
                options += split(String(argument.dropFirst(2)))
            } else if argument == "-n" || argument == "-s" || argument == "-v" {
                // mount(8) passes these to /sbin/mount.TYPE helpers: no mtab, sloppy, verbose.
                continue
            } else if argument.hasPrefix("-") {
                throw Refusal(message: "unknown option '\(argument)' in the mount helper form (dupfs SOURCE MOUNTPOINT -o OPTIONS)")
            } else {
                positional.append(argument)
            }
        }
        guard positional.count == 2 else {
            throw Refusal(message: "unknown command '\(positional.first ?? arguments[0])'; as a mount helper: "
                + "dupfs SOURCE MOUNTPOINT -o OPTIONS (commands: see dupfs --help)")
        }
        var out = ["mount"]
        var fuse: [String] = []
        var fromConfig = false
        for option in options {
            let key = option.split(separator: "=", maxSplits: 1).first.map(String.init) ?? option
            let value = option.firstIndex(of: "=").map { String(option[option.index(after: $0)...]) }
            if valueOptions.contains(key) {
                guard let value, !value.isEmpty else { throw Refusal(message: "mount option '\(key)' needs a value (\(key)=...)") }
                out += ["--" + key.replacingAll("_", with: "-"), value]
                if key == "duplicati_config" { fromConfig = true }
            } else if flagOptions.contains(key) {
                guard value == nil else { throw Refusal(message: "mount option '\(key)' takes no value") }
                out.append("--" + key.replacingAll("_", with: "-"))
            } else if ignored.contains(key) || key.hasPrefix("x-") {
                continue
            } else if key == "ro" || key == "rw" {
                continue
            } else if mountFlags.contains(key) || fuseOptions.contains(key) {
                fuse.append(option)
            } else {
                throw Refusal(message: "unknown mount option '\(key)'")
            }
        }
        // With a Duplicati job file the location comes from it: the fstab source field is only a label.
        if !fromConfig { out.append(positional[0]) }
        out.append(positional[1])
        if !fuse.isEmpty { out += ["-o", fuse.joined(separator: ",")] }
        return out
    }

    private static func split(_ list: String) -> [String] {
        list.split(separator: ",").map(String.init).filter { !$0.isEmpty }
    }
}

extension String {
    /// Every occurrence of `target` replaced (Foundation-free).
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for character in self { if character == target { out += replacement } else { out.append(character) } }
        return out
    }
}
