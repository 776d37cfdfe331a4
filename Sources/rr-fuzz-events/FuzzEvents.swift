import RRFuzzTargets

/// libFuzzer's entry: one input, read as one message (type byte, payload).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    _ = FuzzTargets.message(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

/// With `make fuzz` (-DRR_LIBFUZZER): libFuzzer. Otherwise (a normal build): runs each file named
/// on the command line through the same entry, to reproduce a finding or check a corpus
/// (`--make-seeds` writes the seed corpus from traces).
@main
struct FuzzMain {
    static func main() {
        #if RR_LIBFUZZER
        FuzzDriver.runLibFuzzer(fuzzOneInput)
        #else
        FuzzDriver.main(tool: "rr-fuzz-events", target: FuzzTargets.message)
        #endif
    }
}
