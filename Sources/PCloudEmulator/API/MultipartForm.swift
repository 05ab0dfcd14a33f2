import Foundation

/// A parsed `multipart/form-data` body: plain fields and file parts, in order.
struct MultipartForm {
    /// One file part.
    struct FilePart {
        var fieldName: String
        var fileName: String
        var contentType: String?
        var bytes: ArraySlice<UInt8>
    }

    var fields: [(String, String)] = []
    var files: [FilePart] = []

    /// The boundary named in a `Content-Type: multipart/form-data; boundary=…` header, if any.
    static func boundary(fromContentType contentType: String) -> String? {
        guard contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let trimmed = parameter.trimmingCharacters(in: .whitespaces)
            guard trimmed.lowercased().hasPrefix("boundary=") else { continue }
            var value = String(trimmed.dropFirst("boundary=".count))
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value.isEmpty ? nil : value
        }
        return nil
    }

    /// Parses `body` delimited by `boundary`.
    /// - Throws: ``MultipartError`` when the body is not well-formed.
    init(body: [UInt8], boundary: String) throws(MultipartError) {
        let delimiter = Array("--\(boundary)".utf8)
        guard var position = MultipartForm.find(delimiter, in: body, from: 0) else { throw .missingBoundary }
        position += delimiter.count
        while true {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            guard position + 2 <= body.count else { throw .truncated }
            if body[position] == UInt8(ascii: "-") && body[position + 1] == UInt8(ascii: "-") { return }
            if body[position] == 13 && body[position + 1] == 10 { position += 2 }
            guard let headerEnd = MultipartForm.find([13, 10, 13, 10], in: body, from: position) else { throw .truncated }
            let headerText = String(decoding: body[position..<headerEnd], as: UTF8.self)
            let contentStart = headerEnd + 4
            guard let next = MultipartForm.find([13, 10] + delimiter, in: body, from: contentStart) else { throw .truncated }
            let content = body[contentStart..<next]
            position = next + 2 + delimiter.count

            var fieldName = ""
            var fileName: String?
            var partType: String?
            for line in headerText.components(separatedBy: "\r\n") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                if name == "content-disposition" {
                    fieldName = MultipartForm.dispositionParameter("name", in: value) ?? ""
                    fileName = MultipartForm.dispositionParameter("filename", in: value)
                } else if name == "content-type" {
                    partType = value
                }
            }
            if let fileName {
                files.append(FilePart(fieldName: fieldName, fileName: fileName, contentType: partType, bytes: content))
            } else {
                fields.append((fieldName, String(decoding: content, as: UTF8.self)))
            }
        }
    }

    private static func dispositionParameter(_ name: String, in value: String) -> String? {
        for piece in value.split(separator: ";") {
            let trimmed = piece.trimmingCharacters(in: .whitespaces)
            guard let eq = trimmed.firstIndex(of: "=") else { continue }
            guard trimmed[..<eq].lowercased() == name else { continue }
            var v = String(trimmed[trimmed.index(after: eq)...])
            if v.hasPrefix("\""), v.hasSuffix("\""), v.count >= 2 { v = String(v.dropFirst().dropLast()) }
            return v.replacingOccurrences(of: "\\\"", with: "\"")
        }
        return nil
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        let first = needle[0]
        var i = start
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first {
                var match = true
                for j in 1..<needle.count where haystack[i + j] != needle[j] {
                    match = false
                    break
                }
                if match { return i }
            }
            i += 1
        }
        return nil
    }
}

/// Why a multipart body was refused.
enum MultipartError: Error {
    case missingBoundary
    case truncated
}
