import BenchSupport
import SIPConformance
import SIPCore

// A plain loop over one benchmark body, for profilers (valgrind --tool=callgrind, perf record), which would
// otherwise measure package-benchmark's own machinery too.
//   ParseLoop [invite|ok|serialize-invite|serialize-ok|check-invite|check-ok|check-exchange|check-response] [iterations]
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
case "check-invite", "check-ok":
    // The message-scope conformance rules, as the engine runs them on every message it receives.
    let m = try SIPMessage(parsing: which == "check-invite" ? Messages.invite : Messages.ok)
    let checker = MessageChecker()
    for _ in 0..<n { sum &+= checker.check(m).count + 1 }
case "check-exchange":
    // The response-against-request rules, as the engine runs them on every response it receives.
    let request = try SIPMessage(parsing: Messages.invite)
    let response = try SIPMessage(parsing: Messages.ok)
    let checker = ExchangeChecker()
    for _ in 0..<n { sum &+= checker.check(response: response, to: request).count + 1 }
case "check-response":
    // Both, as the engine runs them on a response to its own request (ResponseChecker: one pass, copies skipped,
    // and the values found well formed in the responses before not examined again).
    let request = try SIPMessage(parsing: Messages.invite)
    let response = try SIPMessage(parsing: Messages.ok)
    let checker = ResponseChecker()
    var memo = CheckMemo()
    for _ in 0..<n { sum &+= checker.check(response, answering: request, memo: &memo).count + 1 }
default:
    print("usage: ParseLoop [invite|ok|serialize-invite|serialize-ok|check-invite|check-ok|check-exchange|check-response] [iterations]")
}
print("checksum \(sum)")
