import SIPCore
import Testing
@testable import SIPFlow

/// Transactions and dialogs worked out step by step, one line per message.
@Suite struct LadderTrackerTests {
    typealias Context = StepContext
    static func tx(_ step: Int) -> TransactionID { TransactionID(step: step) }
    static func dialog(_ step: Int) -> DialogID { DialogID(step: step) }

    @Test func aFailedInviteEndsItsDialogAndTheRetryCreatesANewOne() throws {
        var ladder = LadderTracker()
        #expect(try ladder.request(.invite, step: 0, from: "a", to: "b") == Context(role: .request(Self.tx(0)), dialog: .creates(Self.dialog(0))))
        #expect(try ladder.response(407, from: "b", to: "a") == Context(role: .response(to: Self.tx(0), method: .invite), dialog: .creates(Self.dialog(0))))
        #expect(try ladder.request(.ack, step: 2, from: "a", to: "b") == Context(role: .ack(invite: Self.tx(0), for2xx: false), dialog: .none))
        #expect(try ladder.request(.invite, step: 3, from: "a", to: "b") == Context(role: .request(Self.tx(3)), dialog: .creates(Self.dialog(3))))
        #expect(try ladder.response(200, from: "b", to: "a") == Context(role: .response(to: Self.tx(3), method: .invite), dialog: .creates(Self.dialog(3))))
        #expect(try ladder.request(.ack, step: 5, from: "a", to: "b") == Context(role: .ack(invite: Self.tx(3), for2xx: true), dialog: .within(Self.dialog(3))))
    }

    @Test func registerStaysOutsideAndTheCalleeCanHangUp() throws {
        var ladder = LadderTracker()
        _ = try ladder.request(.invite, step: 0, from: "a", to: "b")
        _ = try ladder.response(200, from: "b", to: "a")
        _ = try ladder.request(.ack, step: 2, from: "a", to: "b")
        #expect(try ladder.request(.register, step: 3, from: "a", to: "b").dialog == .none)
        #expect(try ladder.response(200, from: "b", to: "a").role == .response(to: Self.tx(3), method: .register))
        #expect(try ladder.request(.bye, step: 5, from: "b", to: "a") == Context(role: .request(Self.tx(5)), dialog: .within(Self.dialog(0))))
        #expect(try ladder.response(200, from: "a", to: "b").dialog == .within(Self.dialog(0)))
        // The dialog is over: a new OPTIONS is outside any dialog.
        #expect(try ladder.request(.options, step: 7, from: "a", to: "b").dialog == .none)
    }

    @Test func prackAndUpdateUseTheEarlyDialog() throws {
        var ladder = LadderTracker()
        _ = try ladder.request(.invite, step: 0, from: "a", to: "b")
        _ = try ladder.response(183, from: "b", to: "a")
        #expect(try ladder.request(.prack, step: 2, from: "a", to: "b").dialog == .within(Self.dialog(0)))
        #expect(try ladder.response(200, from: "b", to: "a").role == .response(to: Self.tx(2), method: .prack))
        #expect(try ladder.response(200, from: "b", to: "a").role == .response(to: Self.tx(0), method: .invite))
    }

    @Test func crossingRequestsAreAnsweredByDirection() throws {
        var ladder = LadderTracker()
        _ = try ladder.request(.invite, step: 0, from: "a", to: "b")
        _ = try ladder.response(200, from: "b", to: "a")
        _ = try ladder.request(.ack, step: 2, from: "a", to: "b")
        _ = try ladder.request(.info, step: 3, from: "a", to: "b")
        _ = try ladder.request(.info, step: 4, from: "b", to: "a")
        #expect(try ladder.response(200, from: "b", to: "a").role == .response(to: Self.tx(3), method: .info))
        #expect(try ladder.response(200, from: "a", to: "b").role == .response(to: Self.tx(4), method: .info))
        #expect(throws: LadderTracker.Issue.self) { try ladder.response(200, from: "a", to: "b") }
    }
}
