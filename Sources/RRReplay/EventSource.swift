import RRCore
import RRTrace

/// Hands the replayer one event at a time from the trace stream, storing carried files as they
/// pass and keeping the event index for divergence reports.
final class EventSource {
    private let reader: StreamReader
    private let files: FileCache
    private(set) var header: TraceHeader?
    private(set) var end: TraceEnd?
    private var lookahead: TraceEvent?
    /// Index of the event `peek()` returns.
    private(set) var index: UInt64 = 0

    init(reader: StreamReader, files: FileCache) throws {
        self.reader = reader
        self.files = files
        guard case let .header(header)? = try reader.next() else {
            throw RRError.corruptTrace("the trace does not start with a header message")
        }
        self.header = header
    }

    /// Where the replay of event `index` begins, to read on from there in another replay
    /// (a checkpoint's).
    struct Bookmark {
        let reader: StreamReader.Bookmark
        let header: TraceHeader?
        let lookahead: TraceEvent?
        let index: UInt64
    }

    func bookmark() -> Bookmark {
        Bookmark(reader: reader.bookmark(), header: header, lookahead: lookahead, index: index)
    }

    /// Reads on from `bookmark`, with `reader` opened there.
    init(reader: StreamReader, files: FileCache, at bookmark: Bookmark) {
        self.reader = reader
        self.files = files
        header = bookmark.header
        lookahead = bookmark.lookahead
        index = bookmark.index
    }

    /// The next event without consuming it; nil when the trace has no more.
    func peek() throws -> TraceEvent? {
        if let lookahead { return lookahead }
        while let message = try reader.next() {
            switch message {
            case let .event(event):
                lookahead = event
                return event
            case let .fileContent(hash, bytes):
                try files.store(hash: hash, bytes: bytes)
            case let .end(end):
                self.end = end
                // Read on to the final block, so that a trace cut after its end message is noticed.
                if try reader.next() != nil { throw RRError.corruptTrace("messages after the end message") }
                return nil
            case .header:
                throw RRError.corruptTrace("a second header message at event \(index)")
            }
        }
        return nil
    }

    /// Consumes the event `peek()` returned.
    func advance() {
        lookahead = nil
        index += 1
    }

    var readerEndedEarly: Bool { reader.endedEarly }
    var completeBytes: UInt64 { reader.completeBytes }
    var completeBlocks: UInt32 { reader.completeBlocks }
}
