#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A report file could not be opened or written; prints as one sentence naming the file and the system's reason.
public struct ReportFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public let path: String
    public let action: String
    public let reason: String

    public var description: String { "cannot \(action) '\(path)': \(reason)" }
}

/// A file written with unbuffered `write(2)` calls, so whatever was written is on disk even if the process is
/// interrupted right after. Owns its descriptor; not shared between threads.
final class ReportFile {
    let path: String
    private var fd: Int32

    /// Creates or truncates `path` for writing.
    init(creating path: String) throws(ReportFileError) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ReportFileError(path: path, action: "open", reason: Self.lastError()) }
    }

    deinit { close() }

    /// Writes all of `text`, retrying after interrupts and short writes.
    func write(_ text: String) throws(ReportFileError) {
        guard fd >= 0 else { throw ReportFileError(path: path, action: "write to", reason: "the file is closed") }
        if let error = Self.writeAll(text, to: fd) {
            throw ReportFileError(path: path, action: "write to", reason: String(cString: strerror(error)))
        }
    }

    /// Writes all of `text` to `fd`; returns the `errno` of a failed write, nil on success.
    static func writeAll(_ text: String, to fd: Int32) -> Int32? {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { buf in
                #if canImport(Glibc)
                Glibc.write(fd, buf.baseAddress! + offset, buf.count - offset)
                #else
                Darwin.write(fd, buf.baseAddress! + offset, buf.count - offset)
                #endif
            }
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += n
        }
        return nil
    }

    func close() {
        if fd >= 0 {
            #if canImport(Glibc)
            _ = Glibc.close(fd)
            #else
            _ = Darwin.close(fd)
            #endif
        }
        fd = -1
    }

    static func lastError() -> String { String(cString: strerror(errno)) }
}
