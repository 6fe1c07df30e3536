import SIPCore

/// Rules for a response as the answer to a given request, as the UAC receives it (RFC 3261 §8.2.6.2, §9.2,
/// §10.3, §12.1.1, §18.1.2).
enum ExchangeRules {
    /// RFC 3261 §18.1.2: a UAC discards a response with more than one Via (the proxies removed theirs).
    static let singleVia = exchange("rfc3261.18.1.2.single-via", "RFC 3261 §18.1.2",
        "A response reaching the UAC carries exactly one Via.")
    /// RFC 3261 §8.2.6.2: the Via is copied from the request (branch and sent-by unchanged).
    static let viaCopied = exchange("rfc3261.8.2.6.2.via-copied", "RFC 3261 §8.2.6.2",
        "The response's Via equals the request's top Via (same branch and sent-by).")
    /// RFC 3261 §8.2.6.2: From is copied, tag included.
    static let fromCopied = exchange("rfc3261.8.2.6.2.from-copied", "RFC 3261 §8.2.6.2",
        "The response's From equals the request's From (URI and tag).")
    /// RFC 3261 §8.2.6.2: Call-ID is copied.
    static let callIDCopied = exchange("rfc3261.8.2.6.2.call-id-copied", "RFC 3261 §8.2.6.2",
        "The response's Call-ID equals the request's Call-ID.")
    /// RFC 3261 §8.2.6.2: CSeq is copied, number and method.
    static let cseqCopied = exchange("rfc3261.8.2.6.2.cseq-copied", "RFC 3261 §8.2.6.2",
        "The response's CSeq equals the request's CSeq (number and method).")
    /// RFC 3261 §8.2.6.2: To is copied; an in-dialog request's To tag is kept.
    static let toCopied = exchange("rfc3261.8.2.6.2.to-copied", "RFC 3261 §8.2.6.2",
        "The response's To URI equals the request's To URI, and its tag the request's To tag if it had one.")
    /// RFC 3261 §8.2.6.2: the UAS adds a To tag to every response but 100 (where it is optional).
    static let toTag = exchange("rfc3261.8.2.6.2.to-tag", "RFC 3261 §8.2.6.2",
        "Every response except 100 (Trying) has a To tag.")
    /// RFC 3261 §12.1.1: the To tag identifies the remote side of the dialog, so it does not change.
    static let sameToTag = exchange("rfc3261.12.1.1.same-to-tag", "RFC 3261 §12.1.1",
        "Responses of one dialog carry the same To tag as the earlier responses.")
    /// RFC 3261 §9.2: the UAS answers CANCEL itself; the response's CSeq method is CANCEL.
    static let cancelCSeq = exchange("rfc3261.9.2.cancel-response-cseq", "RFC 3261 §9.2",
        "A response to CANCEL has CSeq method CANCEL.")
    /// RFC 3261 §12.1.1, §16.6 step 4: the UAS copies the Record-Route it received; proxies between this UAC and
    /// the UAS insert theirs above the request's own values, so those end the response's list.
    static let recordRouteCopied = exchange("rfc3261.12.1.1.record-route-copied", "RFC 3261 §12.1.1",
        "A 2xx to a dialog-creating request ends its Record-Route list with the request's Record-Route values, in order.")
    /// RFC 3261 §10.3 step 8: the registrar's 2xx lists the current bindings with expirations.
    static let registerBindings = exchange("rfc3261.10.3.register-bindings", "RFC 3261 §10.3",
        "A 2xx to REGISTER lists the bindings in Contact, each with an expiry (expires parameter or Expires header).")

    static let all: [Rule] = [singleVia, viaCopied, fromCopied, callIDCopied, cseqCopied, toCopied, toTag, sameToTag,
                              cancelCSeq, recordRouteCopied, registerBindings]

    static func exchange(_ id: String, _ reference: String, _ summary: String) -> Rule {
        Rule(id, .error, reference, summary, scope: .exchange)
    }

    static func check(response: SIPMessage, request: SIPMessage, earlierToTag: ByteString?,
                      into out: inout FindingList) {
        checkVia(response, request, into: &out)
        // The response's To is read by the copy and the tag rules. A To that is the request's with a tag added
        // agrees with it and has that tag, without a parse; any other is parsed once for both, or taken from the
        // address rules when they ran first (`ResponseChecker`).
        let toField: SIPHeaderField?, to: NameAddress?, toTag: ByteString?
        if let added = out.copies.toWithAddedTag {
            (toField, to, toTag) = (added.field, nil, ByteString(response.storage[added.tag]))
        } else {
            if let parsed = out.firstTo {
                (toField, to) = (parsed.field, parsed.address)
            } else {
                toField = response.firstField(.to)
                to = toField.flatMap { try? NameAddress.parse(response.value(of: $0)) }
            }
            toTag = to?.tag
        }
        checkCopies(response, request, toField, to, into: &out)
        if to != nil || toTag != nil { checkTags(response, earlierToTag, toField, toTag, into: &out) }
        checkDialogAndRegister(response, request, into: &out)
    }

    static func checkVia(_ rsp: SIPMessage, _ req: SIPMessage, into out: inout FindingList) {
        // The usual answer: its only Via line is a copy of the request's first, and holds one value (no comma).
        if out.copies.copied(.via), let f = rsp.firstField(.via), !HeaderList.hasComma(rsp.storage[f.valueRange]),
           !rsp.headers.contains(where: { $0.name == .via && $0.valueRange != f.valueRange }) {
            return
        }
        var vias = rsp.fieldValues(.via).makeIterator()
        let first = vias.next()
        if let extra = vias.next() {
            var count = 2
            while vias.next() != nil { count += 1 }
            out.add(singleVia, extra.field, "the response has \(count) Via values; a UAC accepts only one")
        } else if first == nil {
            out.add(singleVia, header: .via, "the response has no Via")
        }
        guard let first, let sentValue = req.firstValue(.via) else { return }
        let sentTop = HeaderList.first(sentValue)
        if first.value == sentTop { return }  // copied as it was: the same branch and sent-by, without a parse
        // Parsed by the Via rules when they ran first (`ResponseChecker`).
        let parsed = out.firstVia.flatMap { $0.field == first.field ? $0.via : nil }
        guard let mine = parsed ?? (try? Via.parse(first.value)) else { return }
        if CopiedBytes.viaAgrees(mine, first.value, sentTop) { return }
        guard let sent = try? Via.parse(sentTop) else { return }
        if mine.branch != sent.branch {
            out.add(viaCopied, first.field, "the Via branch '\(mine.branch?.string ?? "")' is not the request's '\(sent.branch?.string ?? "")'")
        } else if !mine.host.equalsIgnoringCase(sent.host) || mine.port != sent.port {
            out.add(viaCopied, first.field, "the Via sent-by '\(mine.sentBy)' is not the request's '\(sent.sentBy)'")
        }
    }

    /// From, Call-ID, CSeq and To copied from the request (RFC 3261 §8.2.6.2). A value copied byte for byte (the
    /// usual case) needs no parsing: equal bytes parse to equal values. Anything else is compared parsed.
    static func checkCopies(_ rsp: SIPMessage, _ req: SIPMessage, _ toField: SIPHeaderField?, _ to: NameAddress?,
                            into out: inout FindingList) {
        // Copies (`CopiedFields`) are the request's bytes: equal without a look.
        if !out.copies.copied(.from), let f = rsp.firstField(.from), let sentValue = req.firstValue(.from) {
            let mineValue = rsp.value(of: f)
            if mineValue != sentValue, let mine = try? NameAddress.parse(mineValue),
               let sent = try? NameAddress.parse(sentValue) {
                if mine.uri != sent.uri {
                    out.add(fromCopied, f, "the From URI '\(mine.uri)' is not the request's '\(sent.uri)'")
                } else if mine.tag != sent.tag {
                    out.add(fromCopied, f, "the From tag '\(mine.tag?.string ?? "")' is not the request's '\(sent.tag?.string ?? "")'")
                }
            }
        }
        if !out.copies.copied(.callID), let f = rsp.firstField(.callID), let sent = req.callID, rsp.value(of: f) != sent {
            out.add(callIDCopied, f, "the Call-ID '\(rsp.value(of: f))' is not the request's '\(sent)'")
        }
        let cseqField = rsp.firstField(.cseq)
        var mineCSeq: CSeq??  // parsed at most once, when a rule needs it
        if !out.copies.copied(.cseq), let f = cseqField, let sentValue = req.firstValue(.cseq) {
            let mineValue = rsp.value(of: f)
            if mineValue != sentValue {
                let parsed = try? CSeq.parse(mineValue)
                mineCSeq = .some(parsed)
                if let mine = parsed, let sent = try? CSeq.parse(sentValue), mine != sent {
                    out.add(cseqCopied, f, "the CSeq '\(mine)' is not the request's '\(sent)'")
                }
            }
        }
        if !out.copies.copied(.to), let f = toField, let mine = to, let sentValue = req.firstValue(.to),
           !CopiedBytes.toAgrees(mine, rsp.value(of: f), sentValue), let sent = try? NameAddress.parse(sentValue) {
            if mine.uri != sent.uri {
                out.add(toCopied, f, "the To URI '\(mine.uri)' is not the request's '\(sent.uri)'")
            } else if let tag = sent.tag, mine.tag != tag {
                out.add(toCopied, f, "the To tag '\(mine.tag?.string ?? "")' is not the in-dialog request's '\(tag)'")
            }
        }
        if req.method == .cancel, let f = cseqField {
            let parsed = mineCSeq ?? (try? CSeq.parse(rsp.value(of: f)))
            if let mine = parsed, mine.method != .cancel {
                out.add(cancelCSeq, f, "the response to CANCEL has CSeq method \(mine.method)")
            }
        }
    }

    /// The tag rules on the response's To, which parsed (or copied the request's with a tag added) with tag `tag`.
    static func checkTags(_ rsp: SIPMessage, _ earlier: ByteString?, _ toField: SIPHeaderField?, _ tag: ByteString?,
                          into out: inout FindingList) {
        guard let code = rsp.statusCode, let f = toField else { return }
        if code != 100, tag == nil {
            out.add(toTag, f, "the \(code) response has no To tag")
        }
        if let earlier, let tag, tag != earlier {
            out.add(sameToTag, f, "the To tag '\(tag)' differs from the earlier response's '\(earlier)'")
        }
    }

    static func checkDialogAndRegister(_ rsp: SIPMessage, _ req: SIPMessage, into out: inout FindingList) {
        guard let code = rsp.statusCode, (200..<300).contains(code), let method = req.method else { return }
        // Neither carries Record-Route (no proxy on the path): the empty list ends with the empty list.
        if method.createsDialog, rsp.contains(.recordRoute) || req.contains(.recordRoute) {
            let sent = req.values(.recordRoute), mine = rsp.values(.recordRoute)
            if !mine.reversed().starts(with: sent.reversed()) {
                let f = rsp.firstField(.recordRoute)
                let text = mine.count < sent.count
                    ? "the \(code) carries \(mine.count) Record-Route values where the request had \(sent.count)"
                    : "the \(code)'s Record-Route list does not end with the request's \(sent.count) values in order"
                if let f { out.add(recordRouteCopied, f, text) } else { out.add(recordRouteCopied, header: .recordRoute, text) }
            }
        }
        guard method == .register else { return }
        let requested = ((try? req.parseContacts()) ?? []).filter { !$0.isWildcard }
        let bindings = rsp.fieldValues(.contact)
        if !requested.isEmpty, bindings.isEmpty {
            out.add(registerBindings, header: .contact, "the \(code) to REGISTER lists no Contact bindings")
        }
        let hasExpires = rsp.contains(.expires)
        for (f, v) in bindings {
            guard let a = try? NameAddress.parse(v) else { continue }  // syntax: a message rule
            if a.parameters.first(named: "expires") == nil, !hasExpires {
                out.add(registerBindings, f, "the binding '\(a.uri)' has no expires parameter and there is no Expires header")
            }
        }
    }
}
