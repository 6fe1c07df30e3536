/// Big-endian reads from captured bytes, by offset from the slice's start.
///
/// Callers check `count` first: every header decoder here tests the length it needs before it reads, so that no
/// input, however short or damaged, reads past the end.
extension ArraySlice where Element == UInt8 {
    /// The byte at `offset` from the start.
    @inline(__always) func byte(_ offset: Int) -> UInt8 { self[startIndex + offset] }

    /// The 16-bit big-endian (network order) value at `offset` from the start.
    @inline(__always) func uint16(_ offset: Int) -> UInt16 {
        UInt16(self[startIndex + offset]) << 8 | UInt16(self[startIndex + offset + 1])
    }

    /// The 32-bit big-endian (network order) value at `offset` from the start.
    @inline(__always) func uint32(_ offset: Int) -> UInt32 {
        UInt32(uint16(offset)) << 16 | UInt32(uint16(offset + 2))
    }

    /// The bytes from `offset` from the start to the end (empty when `offset` is past the end).
    func dropping(_ offset: Int) -> ArraySlice<UInt8> {
        offset >= count ? self[endIndex...] : self[(startIndex + offset)...]
    }

    /// The first `length` bytes (all of them when fewer).
    func keeping(_ length: Int) -> ArraySlice<UInt8> {
        length >= count ? self : self[startIndex..<(startIndex + Swift.max(0, length))]
    }
}
