import Catalog
import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension Restorer {
    /// Sets an item's extended attributes as the backup stored them. Those that cannot be set
    /// (`security.*`/`trusted.*` without root, a filesystem without attributes) are warnings,
    /// not failures; `user.*` attributes of symlinks, which Linux refuses, are skipped quietly.
    /// - Parameters:
    ///   - entry: the entry (its metadata was read for its other attributes already).
    ///   - attributes: what that read gave; nothing is set when it was incomplete.
    ///   - path: the item's path, for messages.
    ///   - apply: sets one attribute, returning 0 or the errno.
    func restoreExtendedAttributes(
        _ entry: EntryRecord, attributes: EntryAttributes, path: String, apply: (String, [UInt8]) -> Int32
    ) -> [String] {
        guard entry.metahash != nil, attributes.complete,
              let list = try? backup.extendedAttributes(of: entry), !list.isEmpty
        else { return [] }
        var warnings: [String] = []
        for attribute in list where options.specialBits || !Self.grantsPrivilege(attribute.name) {
            let code = apply(attribute.name, attribute.value)
            if code == 0 { continue }
            if entry.kind == .symlink && attribute.name.hasPrefix("user.") && (code == EPERM || code == EOPNOTSUPP) { continue }
            let reason = String(cString: strerror(code))
            warnings.append("\(path): extended attribute \(attribute.name) not set (\(reason))")
            backup.logger.warning("\(path): extended attribute \(attribute.name) not set: \(reason)")
        }
        return warnings
    }

    /// Attributes that give the file power or that only root reads: file capabilities and
    /// `trusted.*` (left out with `--no-special-bits`).
    static func grantsPrivilege(_ name: String) -> Bool {
        name == "security.capability" || name.hasPrefix("trusted.")
    }

    /// The mode to set: the backup's, without set-user-id and set-group-id under
    /// `--no-special-bits` (the sticky bit stays: it gives nobody more rights).
    func permissions(_ attributes: EntryAttributes) -> mode_t {
        mode_t(options.specialBits ? attributes.permissions : attributes.permissions & ~UInt32(0o6000))
    }
}

/// `fsetxattr` and `lsetxattr`, which Glibc's Swift module does not export: looked up by name.
enum ExtendedAttributeCall {
    private typealias ByDescriptor = @convention(c) (Int32, UnsafePointer<CChar>?, UnsafeRawPointer?, Int, Int32) -> Int32
    private typealias ByPath = @convention(c) (UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafeRawPointer?, Int, Int32) -> Int32

    private static let byDescriptor: ByDescriptor? = symbol("fsetxattr")
    private static let byPath: ByPath? = symbol("lsetxattr")

    private static func symbol<T>(_ name: String) -> T? {
        guard let pointer = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(pointer, to: T.self)
    }

    /// Sets an attribute of an open file or folder. Returns 0 or the errno.
    static func set(descriptor: Int32, name: String, value: [UInt8]) -> Int32 {
        guard let call = byDescriptor else { return ENOTSUP }
        let result = value.withUnsafeBytes { call(descriptor, name, $0.baseAddress, value.count, 0) }
        return result == 0 ? 0 : errno
    }

    /// Sets an attribute of an item itself (a symlink is not followed). Returns 0 or the errno.
    static func set(path: String, name: String, value: [UInt8]) -> Int32 {
        guard let call = byPath else { return ENOTSUP }
        let result = value.withUnsafeBytes { call(path, name, $0.baseAddress, value.count, 0) }
        return result == 0 ? 0 : errno
    }
}
