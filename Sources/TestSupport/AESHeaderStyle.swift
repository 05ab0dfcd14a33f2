/// Which AES Crypt header extensions a fixture's volumes carry (format §3.1, §3.3). The reader
/// must parse the list generically; these are the variants Duplicati versions write.
package enum AESHeaderStyle: Sendable {
    /// SharpAESCrypt 1.3.x (Duplicati ≤ 2.0.9.100, 2.0.8.1 beta included): `CREATED_BY` and the
    /// 128-byte container; no date or time.
    case createdByOnly
    /// SharpAESCrypt 2.x/3.0 (Duplicati 2.0.9.101 and later, the default): `CREATED_BY`,
    /// `CREATED_DATE`, `CREATED_TIME` (12-hour clock) and the container.
    case dated
    /// `--aes-minimal-header` (2.3.0.101 canary, 2.3.1.0 beta and later): no extension at all,
    /// the list is just its `00 00` terminator.
    case minimal
}
