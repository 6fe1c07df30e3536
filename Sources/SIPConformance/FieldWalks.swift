import SIPCore

/// The fields with one name, in order: a plain index walk (a lazy filter with its closure cost far more a field).
struct NamedFields: Sequence, IteratorProtocol {
    let headers: [SIPHeaderField]
    let name: HeaderName
    var index = 0

    init(headers: [SIPHeaderField], name: HeaderName) {
        self.headers = headers
        self.name = name
    }

    mutating func next() -> SIPHeaderField? {
        while index < headers.count {
            let f = headers[index]
            index += 1
            if f.name == name { return f }
        }
        return nil
    }
}
