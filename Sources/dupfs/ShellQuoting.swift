/// Names as GNU `ls` shows them on a terminal (its `shell-escape` quoting): a name holding
/// control characters is written as shell words that give back its exact bytes, e.g. `a\nb` as
/// `'a'$'\n''b'`, so that one line is always one name and a hostile name cannot drive the
/// terminal. Other names are shown as they are.
enum ShellQuoting {
    /// The name as shown.
    static func quoted(_ name: String) -> String {
        guard name.unicodeScalars.contains(where: isControl) else { return name }
        var out = ""
        var printable = ""
        var control = ""
        func flushPrintable() {
            guard !printable.isEmpty else { return }
            out += "'" + printable.replacingQuotes() + "'"
            printable = ""
        }
        func flushControl() {
            guard !control.isEmpty else { return }
            out += "$'" + control + "'"
            control = ""
        }
        for scalar in name.unicodeScalars {
            if isControl(scalar) {
                flushPrintable()
                control += escape(scalar)
            } else {
                flushControl()
                printable.unicodeScalars.append(scalar)
            }
        }
        flushPrintable()
        flushControl()
        return out
    }

    /// C0 controls, DEL and the C1 controls.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value)
    }

    /// One control character inside `$'...'`.
    private static func escape(_ scalar: Unicode.Scalar) -> String {
        switch scalar.value {
        case 0x07: return "\\a"
        case 0x08: return "\\b"
        case 0x09: return "\\t"
        case 0x0A: return "\\n"
        case 0x0B: return "\\v"
        case 0x0C: return "\\f"
        case 0x0D: return "\\r"
        case 0x1B: return "\\E"
        default:
            return String(scalar).utf8.map { byte in
                let octal = String(byte, radix: 8)
                return "\\" + String(repeating: "0", count: 3 - octal.count) + octal
            }.joined()
        }
    }
}

extension String {
    /// A single quote inside single quotes: close, escaped quote, reopen.
    fileprivate func replacingQuotes() -> String {
        var out = ""
        for character in self { out += character == "'" ? "'\\''" : String(character) }
        return out
    }
}
