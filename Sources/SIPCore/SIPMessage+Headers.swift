#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading header fields by name (RFC 3261 §7.3).
extension SIPMessage {
    /// The raw field name as written (e.g. `v`, `VIA`).
    public func rawName(of field: SIPHeaderField) -> ByteString { Self.rawName(of: field, in: storage) }

    /// `rawName(of:)` of a field of the message whose bytes are `storage`.
    @inlinable
    public static func rawName(of field: SIPHeaderField, in storage: [UInt8]) -> ByteString {
        ByteString(storage[field.nameRange])
    }

    /// The field's value with leading and trailing white space removed and line folds replaced by one SP.
    @inlinable
    public func value(of field: SIPHeaderField) -> ByteString { SIPMessage.value(of: field, in: storage) }

    /// `value(of:)` of a field of the message whose bytes are `storage`.
    @inlinable
    static func value(of field: SIPHeaderField, in storage: [UInt8]) -> ByteString {
        let slice = storage[field.valueRange]
        // Trimmed again after unfolding: a stray CR at either end of a folded value becomes an SP there.
        return field.isFolded ? ByteString(SIPMessage.unfold(slice)).trimmed : ByteString(slice)
    }

    /// Replaces each CRLF (or LF) and the white space after it with a single SP (RFC 3261 §7.3.1).
    public static func unfold(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b = bytes[i]
            if b == ASCII.cr || b == ASCII.lf {
                while i < bytes.endIndex, ASCII.isLWS(bytes[i]) { i += 1 }
                out.append(ASCII.sp)
                continue
            }
            out.append(b)
            i += 1
        }
        return out
    }

    /// The first field with this name.
    @inlinable
    public func firstField(_ name: HeaderName) -> SIPHeaderField? {
        for f in headers where f.name == name { return f }
        return nil
    }

    /// The first of `values(name)` without the others: the first element of the first field with this name
    /// that has one.
    public func firstElement(_ name: HeaderName) -> ByteString? {
        for f in headers where f.name == name {
            var elements = HeaderList.Elements(value(of: f), split: name.isList)
            if let element = elements.next() { return element }
        }
        return nil
    }

    /// Every field with this name, in order.
    public func fields(_ name: HeaderName) -> [SIPHeaderField] { headers.filter { $0.name == name } }

    /// Every field whose raw name equals `name` case-insensitively, or that has that known name / compact form.
    public func fields(named name: String) -> [SIPHeaderField] {
        let known = HeaderName.classify(name)
        if known != .other { return fields(known) }
        return headers.filter { $0.name == .other && rawName(of: $0).equalsIgnoringCase(name) }
    }

    /// The value of the first field with this name.
    @inlinable
    public func firstValue(_ name: HeaderName) -> ByteString? {
        firstField(name).map { value(of: $0) }
    }

    /// All values of the header: list headers (`HeaderName.isList`) are split at top-level commas, across all their
    /// fields, as RFC 3261 §7.3.1 makes `Via: a, b` equal to two `Via` lines.
    public func values(_ name: HeaderName) -> [ByteString] { fieldValues(name).map(\.value) }

    /// Whether a header with this name is present.
    @inlinable
    public func contains(_ name: HeaderName) -> Bool { firstField(name) != nil }
}

/// Splitting comma-separated header values (RFC 3261 §7.3.1).
public enum HeaderList {
    /// The elements of a list value, split at commas outside quoted strings and `<>`, each trimmed.
    /// Empty elements are kept, so a checker can report them.
    public static func split(_ value: ByteString) -> [ByteString] { Array(Elements(value)) }

    /// Whether `b` holds a comma: memchr, as a byte loop over an ArraySlice costs a bounds check per byte.
    public static func hasComma(_ b: ArraySlice<UInt8>) -> Bool {
        b.withUnsafeBufferPointer { p in
            guard let base = p.baseAddress else { return false }
            return memchr(base, Int32(ASCII.comma), p.count) != nil
        }
    }

    /// The first element of a list value, without splitting the rest; trimmed like the elements of `split`.
    @inlinable
    public static func first(_ value: ByteString) -> ByteString {
        var elements = Elements(value).makeIterator()
        return elements.next() ?? value.trimmed  // (there is always a first element)
    }
}

extension HeaderList {
    /// The next element of a list value starting at `start`: its trimmed bytes, and where the element after it
    /// starts (nil after the last).
    @inlinable
    public static func element(of value: ByteString, from start: Int) -> (ByteString, next: Int?) {
        let b = value.bytes
        var i = start
        var inQuotes = false, inAngle = false
        while i < b.endIndex {
            let c = b[i]
            if inQuotes {
                if c == ASCII.backslash { i += 1 } else if c == ASCII.quote { inQuotes = false }
            } else if c == ASCII.quote {
                inQuotes = true
            } else if c == ASCII.lAngle {
                inAngle = true
            } else if c == ASCII.rAngle {
                inAngle = false
            } else if c == ASCII.comma, !inAngle {
                return (ByteString(b[start..<i]).trimmed, i + 1)
            }
            i += 1
        }
        return (ByteString(b[start..<min(b.endIndex, max(start, b.endIndex))]).trimmed, nil)
    }

    /// The elements of a list value, lazily: `split` without the array. The usual value with no comma at all is
    /// one element found with a `memchr`, without the scan for quotes and `<>`.
    public struct Elements: Sequence, IteratorProtocol {
        let value: ByteString
        var pending: Pending

        enum Pending {
            /// The value is the only element (no comma, or not a list), trimmed or as it is.
            case whole(trimmed: Bool)
            /// The next element starts here.
            case from(Int)
            case done
        }

        /// The elements of `value`; with `split: false`, the value as it is, as one element (a header that is no
        /// list).
        public init(_ value: ByteString, split: Bool = true) {
            self.value = value
            if !split {
                pending = .whole(trimmed: false)
            } else if !HeaderList.hasComma(value.bytes) {
                pending = .whole(trimmed: true)
            } else {
                pending = .from(value.bytes.startIndex)
            }
        }

        public mutating func next() -> ByteString? {
            switch pending {
            case .whole(let trimmed):
                pending = .done
                return trimmed ? value.trimmed : value
            case .from(let start):
                let (element, after) = HeaderList.element(of: value, from: start)
                pending = after.map { .from($0) } ?? .done
                return element
            case .done:
                return nil
            }
        }
    }
}

/// The values of the fields with one name, list values split at top-level commas, each with its field: a lazy
/// sequence, so reading them allocates nothing (see `SIPMessage.fieldValues(_:)`).
///
/// It holds the message's bytes and header index, not the message: a copy of the whole message would count a
/// reference for each of its arrays.
public struct HeaderValues: Sequence {
    @usableFromInline let storage: [UInt8]
    @usableFromInline let headers: [SIPHeaderField]
    @usableFromInline let name: HeaderName

    @inlinable
    init(message: SIPMessage, name: HeaderName) {
        self.storage = message.storage
        self.headers = message.headers
        self.name = name
    }

    public struct Iterator: IteratorProtocol {
        @usableFromInline let storage: [UInt8]
        @usableFromInline let headers: [SIPHeaderField]
        @usableFromInline let name: HeaderName
        @usableFromInline var index = 0
        /// The field being split and its elements still to hand out.
        @usableFromInline var field: SIPHeaderField?
        @usableFromInline var elements: HeaderList.Elements?

        @inlinable
        init(storage: [UInt8], headers: [SIPHeaderField], name: HeaderName) {
            self.storage = storage
            self.headers = headers
            self.name = name
        }

        @inlinable
        public mutating func next() -> (field: SIPHeaderField, value: ByteString)? {
            if let f = field, var e = elements {
                elements = nil  // no second reference to the elements while `e` advances
                if let element = e.next() {
                    elements = e
                    return (f, element)
                }
                field = nil
            }
            while index < headers.count {
                let f = headers[index]
                index += 1
                guard f.name == name else { continue }
                var e = HeaderList.Elements(SIPMessage.value(of: f, in: storage), split: name.isList)
                guard let element = e.next() else { continue }
                (field, elements) = (f, e)
                return (f, element)
            }
            return nil
        }
    }

    @inlinable
    public func makeIterator() -> Iterator { Iterator(storage: storage, headers: headers, name: name) }

    /// Whether there is no value at all.
    @inlinable
    public var isEmpty: Bool {
        var i = makeIterator()
        return i.next() == nil
    }
}

extension SIPMessage {
    /// Each value of the fields named `name` with its field; list headers are split at top-level commas (the
    /// elements of `HeaderList.split`). Lazy: nothing is allocated.
    @inlinable
    public func fieldValues(_ name: HeaderName) -> HeaderValues { HeaderValues(message: self, name: name) }
}
