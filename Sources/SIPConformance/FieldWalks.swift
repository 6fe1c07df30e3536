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

/// The values of the fields with one name, each with its field: `SIPMessage.fieldValues(_:)` for the checkers.
struct FieldValues: Sequence {
    let message: SIPMessage
    let name: HeaderName

    struct Iterator: IteratorProtocol {
        let message: SIPMessage
        let name: HeaderName
        var index = 0
        /// The field being split and its elements still to hand out (a field is only split when it has a comma).
        var field: SIPHeaderField?
        var elements: HeaderList.Elements?

        mutating func next() -> (field: SIPHeaderField, value: ByteString)? {
            if let f = field, var e = elements {
                elements = nil  // no second reference while `e` advances
                if let element = e.next() {
                    elements = e
                    return (f, element)
                }
                field = nil
            }
            let headers = message.headers
            while index < headers.count {
                let f = headers[index]
                index += 1
                guard f.name == name else { continue }
                var e = HeaderList.Elements(message.value(of: f), split: name.isList)
                guard let element = e.next() else { continue }
                (field, elements) = (f, e)
                return (f, element)
            }
            return nil
        }
    }

    func makeIterator() -> Iterator { Iterator(message: message, name: name) }

    /// Whether there is no value at all.
    var isEmpty: Bool {
        var i = makeIterator()
        return i.next() == nil
    }
}
