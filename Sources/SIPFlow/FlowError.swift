import Foundation

/// A place in a flow file: 1-based line and column, as editors count them. Line 0 means "the file as a whole".
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`, or just `file` when the location is the whole file.
    public var description: String {
        line > 0 ? "\(file):\(line):\(column)" : file
    }
}

/// A mistake in a flow file that a user can fix: where it is, one sentence saying what is wrong, and a hint.
///
/// Prints as `file:line:column: error: message (hint)`, the shape compilers use so editors can jump to it.
public struct FlowError: Error, Hashable, Sendable, CustomStringConvertible {
    public var location: SourceLocation
    /// One sentence, lower case, no trailing period: `unknown party 'calee'`.
    public var message: String
    /// What to do about it, e.g. `did you mean 'callee'?`.
    public var hint: String?

    public var file: String { location.file }
    public var line: Int { location.line }
    public var column: Int { location.column }

    public init(_ message: String, at location: SourceLocation, hint: String? = nil) {
        self.location = location
        self.message = Self.oneLine(message)
        self.hint = hint.map(Self.oneLine)
    }

    /// Escapes control characters, so text quoted from the flow cannot break the one-line shape.
    static func oneLine(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.properties.generalCategory == .control: out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    public var description: String {
        var text = "\(location): error: \(message)"
        if let hint { text += " (\(hint))" }
        return text
    }
}

extension FlowError: LocalizedError {
    /// The same one line as `description`, for code that prints `localizedDescription`.
    public var errorDescription: String? { description }
}
