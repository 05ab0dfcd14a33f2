/// The text `dupfs --help` ends with, and from which the man page's ENVIRONMENT and EXIT STATUS
/// sections are made (the man page generator turns each all-capitals line into a section).
enum ManualText {
    /// Every environment variable dupfs reads, with what it means.
    static let environment: [(name: String, meaning: String)] = [
        ("DUPFS_PASSPHRASE", "The backup passphrase (when no --passphrase-file or --passphrase-command is given). "
            + "Taken out of the process environment at start."),
        ("DUPFS_CONFIG_PASSPHRASE", "The password of an encrypted Duplicati job export (--duplicati-config FILE.aes); "
            + "otherwise asked for on the terminal."),
        ("PCLOUD_AUTHID", "The pCloud access token (when no --authid-file or ?authid= is given)."),
        ("DUPFS_PCLOUD_API", "Send pCloud API calls to this base URL (as --pcloud-api)."),
        ("XDG_CACHE_HOME", "The default cache folder is $XDG_CACHE_HOME/dupfs (else $HOME/.cache/dupfs)."),
        ("HOME", "See XDG_CACHE_HOME."),
        ("GNUPGHOME", "The gpg home folder for backups encrypted with gpg."),
        ("TZ", "The time zone of --time values without a zone."),
        ("NOTIFY_SOCKET", "Under systemd (Type=notify), mount -f reports READY=1, STATUS= and STOPPING=1 there."),
        ("JOURNAL_STREAM", "Set by systemd (as are INVOCATION_ID and NOTIFY_SOCKET): log lines then carry "
            + "journald priority prefixes (<3> error, <4> warning, <6> info, <7> debug)."),
    ]

    static var rootDiscussion: String {
        var text = "ENVIRONMENT\n"
        for (name, meaning) in environment { text += "  \(name): \(meaning)\n" }
        text += "\nEXIT STATUS\n"
        for status in ExitStatus.allCases { text += "  \(status.rawValue): \(status.summary)\n" }
        text += "\nMOUNT HELPER\n"
        text += "  dupfs SOURCE MOUNTPOINT -o OPTIONS is dupfs mount SOURCE MOUNTPOINT, as mount.fuse3 runs "
            + "filesystem type fuse.dupfs (fstab, mount -t fuse.dupfs, systemd mount units). -o keys name options "
            + "with _ for -: cache_dir, passphrase_file, authid_file, pcloud_api, ca_file, prefix, log_level, "
            + "log_file, cache_size, memory_cache, io_timeout, history, duplicati_config. _netdev, nofail, noauto, "
            + "auto, user, users, nouser, defaults and x-* are ignored; ro, rw, dev, suid, nodev, nosuid, exec, "
            + "noexec and FUSE's own options (allow_other, default_permissions, ...) are accepted; any other key "
            + "is refused (exit 64) and nothing is mounted.\n"
        return text
    }
}
