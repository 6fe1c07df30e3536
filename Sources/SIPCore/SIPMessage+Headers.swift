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
    public func rawName(of field: SIPHeaderField) -> ByteString { ByteString(storage[field.nameRange]) }

    /// The field's value with leading and trailing white space removed and line folds replaced by one SP.
    @inlinable
    public func value(of field: SIPHeaderField) -> ByteString {
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
    public func values(_ name: HeaderName) -> [ByteString] {
        var out: [ByteString] = []
        for f in headers where f.name == name {
            let v = value(of: f)
            if name.isList { out.append(contentsOf: HeaderList.split(v)) } else { out.append(v) }
        }
        return out
    }

    /// Whether a header with this name is present.
    @inlinable
    public func contains(_ name: HeaderName) -> Bool { firstField(name) != nil }
}

/// Splitting comma-separated header values (RFC 3261 §7.3.1).
public enum HeaderList {
    /// The elements of a list value, split at commas outside quoted strings and `<>`, each trimmed.
    /// Empty elements are kept, so a checker can report them.
    public static func split(_ value: ByteString) -> [ByteString] {
        var out: [ByteString] = []
        var next: Int? = value.bytes.startIndex
        while let start = next {
            let (element, after) = element(of: value, from: start)
            out.append(element)
            next = after
        }
        return out
    }

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
        guard hasComma(value.bytes) else { return value.trimmed }  // the common case: one element, nothing to split
        return element(of: value, from: value.bytes.startIndex).0
    }
}

extension HeaderList {
    /// The next element of a list value starting at `start`: its trimmed bytes, and where the element after it
    /// starts (nil after the last): `split` is these elements in order, and walking them builds no array.
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
}

/// The values of the fields with one name, list values split at top-level commas, each with its field: a lazy
/// sequence, so reading them allocates nothing (see `SIPMessage.fieldValues(_:)`).
public struct HeaderValues: Sequence {
    let message: SIPMessage
    let name: HeaderName

    public struct Iterator: IteratorProtocol {
        let message: SIPMessage
        let name: HeaderName
        var index = 0
        /// The field being split, its value and where its next element starts.
        var current: (field: SIPHeaderField, value: ByteString, next: Int)?

        public mutating func next() -> (field: SIPHeaderField, value: ByteString)? {
            if let c = current {
                let (element, next) = HeaderList.element(of: c.value, from: c.next)
                current = next.map { (c.field, c.value, $0) }
                return (c.field, element)
            }
            let headers = message.headers
            while index < headers.count {
                let f = headers[index]
                index += 1
                guard f.name == name else { continue }
                let v = message.value(of: f)
                guard name.isList, HeaderList.hasComma(v.bytes) else {
                    return (f, name.isList ? v.trimmed : v)
                }
                let (element, next) = HeaderList.element(of: v, from: v.bytes.startIndex)
                current = next.map { (f, v, $0) }
                return (f, element)
            }
            return nil
        }
    }

    public func makeIterator() -> Iterator { Iterator(message: message, name: name) }

    /// Whether there is no value at all.
    public var isEmpty: Bool {
        var i = makeIterator()
        return i.next() == nil
    }
}

extension SIPMessage {
    /// Each value of the fields named `name` with its field; list headers are split at top-level commas (the
    /// elements of `HeaderList.split`). Lazy: nothing is allocated.
    public func fieldValues(_ name: HeaderName) -> HeaderValues { HeaderValues(message: self, name: name) }
}
