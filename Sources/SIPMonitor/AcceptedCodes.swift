/// The final response codes a health check takes as "alive": single codes and classes, as `--accept 200,401,2xx`.
public struct AcceptedCodes: Sendable, Hashable, CustomStringConvertible {
    public enum Element: Sendable, Hashable {
        /// One status code, e.g. 200.
        case code(Int)
        /// A class of codes, e.g. 2 for 2xx.
        case codeClass(Int)
    }

    public let elements: [Element]

    public init(_ elements: [Element]) { self.elements = elements }

    /// Only 200 OK: what F5, ServerIron and Kamailio's dispatcher expect by default.
    public static let `default` = AcceptedCodes([.code(200)])

    /// Parses a comma-separated list such as `200,401,2xx`. Codes are 100–699; classes are `1xx`–`6xx`.
    public init(parsing text: String) throws(PingArgumentError) {
        var out: [Element] = []
        for raw in text.split(separator: ",", omittingEmptySubsequences: false) {
            let item = raw.trimmingSpaces.lowercased()
            if item.count == 3, item.hasSuffix("xx"), let d = item.first?.wholeNumberValue, (1...6).contains(d) {
                out.append(.codeClass(d))
            } else if item.count == 3, let code = Int(item), (100...699).contains(code) {
                out.append(.code(code))
            } else {
                throw PingArgumentError("'\(raw)' in --accept is neither a status code (100-699) nor a class such as 2xx")
            }
        }
        guard !out.isEmpty else { throw PingArgumentError("--accept needs at least one code or class") }
        self.elements = out
    }

    /// Whether a final response with this code counts as alive.
    public func accepts(_ code: Int) -> Bool {
        elements.contains { e in
            switch e {
            case .code(let c): c == code
            case .codeClass(let k): code / 100 == k
            }
        }
    }

    public var description: String {
        elements.map { e in
            switch e {
            case .code(let c): String(c)
            case .codeClass(let k): "\(k)xx"
            }
        }.joined(separator: ",")
    }
}

/// An option value a user wrote that ping cannot use; printed as one sentence, exits 3 (UNKNOWN).
public struct PingArgumentError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
