import SIPCore

/// What a ladder arrow carries: a request by method, or a response by status.
public enum MessageKind: Hashable, Sendable, CustomStringConvertible {
    /// A request; `requestURI` overrides the engine's default target when the flow writes `INVITE sip:...`.
    case request(SIPMethod, requestURI: Template?)
    /// A response. The receiver accepts any of `statuses`; the sender sends `statuses[0].sendable`.
    case response([StatusPattern], reason: Template?)

    public var isRequest: Bool { if case .request = self { true } else { false } }

    public var method: SIPMethod? { if case .request(let method, _) = self { method } else { nil } }

    /// The status a sender puts on the wire.
    public var sentStatus: Int? { if case .response(let statuses, _) = self { statuses.first?.sendable } else { nil } }

    public var description: String {
        switch self {
        case .request(let method, _): method.rawValue
        case .response(let statuses, _): statuses.count == 1 ? "\(statuses[0])" : "[\(statuses.map(\.description).joined(separator: ", "))]"
        }
    }
}

/// A status code, or a class like `2xx` (RFC 3261 §21), as an expectation accepts it.
public enum StatusPattern: Hashable, Sendable, CustomStringConvertible {
    case code(Int)
    /// The hundreds digit: `2` for `2xx`.
    case statusClass(Int)

    public func matches(_ status: Int) -> Bool {
        switch self {
        case .code(let code): status == code
        case .statusClass(let digit): status / 100 == digit
        }
    }

    /// The code to send when a flow played from the other side names this pattern: `2xx` sends 200.
    public var sendable: Int {
        switch self {
        case .code(let code): code
        case .statusClass(let digit): digit * 100
        }
    }

    /// True when every status this pattern matches is final (≥ 200).
    public var isFinal: Bool { sendable >= 200 }

    public var description: String {
        switch self {
        case .code(let code): "\(code)"
        case .statusClass(let digit): "\(digit)xx"
        }
    }
}

/// A header the flow adds or overrides; the engine fills every other header RFC 3261 requires.
public struct HeaderTemplate: Hashable, Sendable {
    public var name: String
    /// The name classified, `.other` for extension headers.
    public var header: HeaderName
    public var value: Template

    public init(name: String, value: Template) {
        self.name = name
        self.header = HeaderName.classify(name)
        self.value = value
    }
}

/// A message body: its text with variables, and its Content-Type.
public struct BodyTemplate: Hashable, Sendable {
    public var text: Template
    /// `content-type:` from the step, else `application/sdp` when the body starts with `v=0`, else `text/plain`.
    public var contentType: String
    /// The file the body came from, relative to the flow file; nil for inline text.
    public var file: String?
}
