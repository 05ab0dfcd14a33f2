/// The envelope every API answer shares: `result` 0 on success, else a code and an English text.
struct ResultEnvelope: Decodable {
    let result: Int?
    let error: String?
}

/// One entry of a folder's `contents` (pCloud's metadata object, only the fields we read).
struct ItemMetadata: Decodable {
    let name: String
    let isfolder: Bool?
    let fileid: UInt64?
    let size: Int64?
    let modified: String?
    let isdeleted: Bool?
}

/// `listfolder`'s answer.
struct ListFolderResponse: Decodable {
    struct Folder: Decodable {
        let contents: [ItemMetadata]?
    }
    let metadata: Folder
}

/// `getfilelink`'s answer.
struct FileLinkResponse: Decodable {
    let hosts: [String]
    let path: String
    let expires: String?
}

/// `userinfo`'s answer (only the account id).
struct UserInfoResponse: Decodable {
    let userid: UInt64
}
