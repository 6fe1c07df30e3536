import BenchSupport
import SIPCore

// A plain loop over one benchmark body, for profilers (valgrind --tool=callgrind, perf record), which would
// otherwise measure package-benchmark's own machinery too.
//   ParseLoop [invite|ok|serialize-invite|serialize-ok] [iterations]
let args = CommandLine.arguments
let which = args.count > 1 ? args[1] : "invite"
let n = args.count > 2 ? Int(args[2]) ?? 100_000 : 100_000
var sum = 0
switch which {
case "invite", "ok":
    let bytes = which == "invite" ? Messages.invite : Messages.ok
    print("\(which): \(bytes.count) octets")
    for _ in 0..<n { sum &+= parseAndRead(bytes) }
case "serialize-invite", "serialize-ok":
    let m = try SIPMessage(parsing: which == "serialize-invite" ? Messages.invite : Messages.ok)
    for _ in 0..<n { sum &+= m.serialized().count }
default:
    print("usage: ParseLoop [invite|ok|serialize-invite|serialize-ok] [iterations]")
}
print("checksum \(sum)")
