/// Signatures and fixed sizes of the zip records (PKWARE APPNOTE 6.3.x, section 4.3).
enum ZipRecord {
    static let localHeaderSignature: UInt32 = 0x0403_4b50
    static let localHeaderSize = 30
    static let dataDescriptorSignature: UInt32 = 0x0807_4b50
    static let centralHeaderSignature: UInt32 = 0x0201_4b50
    static let centralHeaderSize = 46
    static let zip64EndSignature: UInt32 = 0x0606_4b50
    static let zip64EndSize = 56
    static let zip64LocatorSignature: UInt32 = 0x0706_4b50
    static let zip64LocatorSize = 20
    static let endSignature: UInt32 = 0x0605_4b50
    static let endSize = 22
    static let maxCommentLength = 0xFFFF

    /// Extra field id of the Zip64 extended information field.
    static let zip64ExtraID: UInt16 = 0x0001
    /// Extra field id of the Info-ZIP Unicode Path field.
    static let unicodePathExtraID: UInt16 = 0x7075

    /// General purpose flag: sizes and CRC follow the data in a data descriptor.
    static let dataDescriptorFlag: UInt16 = 0x0008
    /// General purpose flag: name and comment are UTF-8.
    static let utf8Flag: UInt16 = 0x0800

    /// General purpose flag for method 14: the LZMA stream ends with an end-of-stream marker.
    static let lzmaEndMarkerFlag: UInt16 = 0x0002

    static let methodStored: UInt16 = 0
    static let methodDeflate: UInt16 = 8
    static let methodBZip2: UInt16 = 12
    static let methodLZMA: UInt16 = 14
    static let methodZstandard: UInt16 = 93
    static let methodPPMd: UInt16 = 98
}
