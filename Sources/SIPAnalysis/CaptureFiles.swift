import SIPPcap

/// Reads capture files one after another into an analyzer.
public enum CaptureFiles {
    /// Feeds every packet of `paths` (pcap or pcapng) to `analyzer`, in file order, handing each call to `ended`
    /// as it ends; the calls still open when the last file ends are handed over too. Returns one sentence for
    /// each file that could not be read, or was read only in part (naming the packet where reading stopped);
    /// whatever was read before is still analysed.
    /// `filter`, a BPF expression, keeps only the packets it matches; packet numbers then count the packets kept.
    /// `stop` is asked before each packet: true ends the reading there (Ctrl-C), the calls read so far reported.
    public static func analyze(_ paths: [String], filter: String? = nil, into analyzer: inout CaptureAnalyzer,
                               stop: () -> Bool = { false }, ended: (CallRecord) -> Void) -> [String] {
        var errors: [String] = []
        for path in paths where !stop() {
            let reader: PcapFileReader
            var decoder: PacketDecoder
            do {
                reader = try PcapFileReader(path: path)
                if let filter { try reader.setFilter(filter) }
                decoder = try PacketDecoder(linkType: reader.linkType)
            } catch {
                errors.append("\(path): \(Self.trimmed(error.description, path))")
                continue
            }
            var number = 0
            do {
                while !stop(), let packet = try reader.next() {
                    number += 1
                    for call in analyzer.add(packet: decoder.decode(packet, number: number)) { ended(call) }
                }
            } catch {
                errors.append("\(path): packet \(number + 1): \(Self.trimmed(error.description, path))")
            }
            for call in analyzer.add(decoder.finish()) { ended(call) }
        }
        for call in analyzer.finish() { ended(call) }
        return errors
    }

    /// Reads `capture` until it is stopped (`PcapLiveCapture.stop()`, from a signal handler) and what it captured
    /// until then is read, handing each call to `ended` as it ends, then the calls still open. Returns the error that ended it early, if any.
    public static func analyze(live capture: PcapLiveCapture, into analyzer: inout CaptureAnalyzer,
                               ended: (CallRecord) -> Void) -> String? {
        var failure: String?
        do {
            var decoder = try PacketDecoder(linkType: capture.linkType)
            var number = 0
            while !capture.stopped {
                guard let packet = try capture.next() else { continue }
                number += 1
                for call in analyzer.add(packet: decoder.decode(packet, number: number)) { ended(call) }
            }
            // What was captured before the stop is still read: until the kernel holds nothing more, for at most a
            // second (a busy interface never goes quiet).
            let until = ContinuousClock.now + .seconds(1)
            while ContinuousClock.now < until, let packet = try capture.drain() {
                number += 1
                for call in analyzer.add(packet: decoder.decode(packet, number: number)) { ended(call) }
            }
            for call in analyzer.add(decoder.finish()) { ended(call) }
        } catch {
            failure = "\(capture.interface): \(error.description)"
        }
        for call in analyzer.finish() { ended(call) }
        return failure
    }

    /// libpcap's sentence without the "cannot read 'PATH': " the reader puts first, as the path leads already.
    static func trimmed(_ reason: String, _ path: String) -> String {
        let lead = "cannot read '\(path)': "
        return reason.hasPrefix(lead) ? String(reason.dropFirst(lead.count)) : reason
    }
}
