import SIPCore

/// Keeps one copy of each string it is given, so that values many dialogs hold alike (the URIs of From and To, the
/// peer's Contact, a route set) share one storage instead of each holding its own (see
/// `Dialog.uac(request:response:callID:pool:overTLS:)`).
///
/// Holds at most `limit` distinct values; past that it hands values back as they are, so a run whose every dialog
/// differs does not grow a pool that saves nothing.
public struct StringPool: Sendable {
    private var strings: Set<String> = []
    private var routeSets: Set<[String]> = []
    /// The strings made from bytes, by those bytes: a value met again is found without making a string of it.
    private var byBytes: [ByteString: String] = [:]
    public let limit: Int
    /// The last Contact value whose URI was taken, and that URI: a peer answers every call with the same Contact,
    /// so the next one is found with one comparison instead of a parse.
    private var lastContact: (value: ByteString, uri: String)?

    public init(limit: Int = 4096) { self.limit = limit }

    /// The distinct strings held (route sets' strings included).
    public var count: Int { strings.count }

    /// The pool's copy of `value`, which is added when there is room.
    public mutating func shared(_ value: String) -> String {
        if limit == 0 { return value }  // a pool that keeps nothing has nothing to look up
        if let index = strings.firstIndex(of: value) { return strings[index] }
        if strings.count < limit { strings.insert(value) }
        return value
    }

    /// The pool's string of `bytes` (decoded as UTF-8), made only when the pool has none for them yet.
    public mutating func shared(_ bytes: ByteString) -> String {
        if limit == 0 { return bytes.string }
        if let string = byBytes[bytes] { return string }
        let string = shared(bytes.string)
        if byBytes.count < limit { byBytes[bytes.owned] = string }
        return string
    }

    /// The URI of the Contact value `value` if it is the last one remembered.
    func contactURI(_ value: ByteString) -> String? {
        guard let last = lastContact, last.value == value else { return nil }
        return last.uri
    }

    /// Remembers the URI `uri` of the Contact value `value` (a pool that keeps nothing remembers nothing).
    mutating func rememberContact(_ value: ByteString, uri: String) {
        if limit > 0 { lastContact = (value.owned, uri) }
    }

    /// The pool's copy of the route set these values make, in this order.
    public mutating func shared<Routes: Collection<ByteString>>(routes: Routes) -> [String] {
        routes.isEmpty ? [] : shared(routes.map { shared($0) })
    }

    /// The pool's copy of a route set (the array and its strings).
    public mutating func shared(_ routes: [String]) -> [String] {
        if routes.isEmpty { return [] }
        if let index = routeSets.firstIndex(of: routes) { return routeSets[index] }
        let copy = routes.map { shared($0) }
        if routeSets.count < limit { routeSets.insert(copy) }
        return copy
    }
}
