#if RR_LIBFUZZER
#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer's driver (libclang_rt.fuzzer, linked by -sanitize=fuzzer): SwiftPM gives every
/// executable a main of its own, so the fuzz targets start libFuzzer from it instead of using
/// libFuzzer's main.
@_silgen_name("LLVMFuzzerRunDriver")
private func llvmFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

extension FuzzDriver {
    /// Runs libFuzzer with the process's arguments over `testOneInput` (the target's
    /// LLVMFuzzerTestOneInput) and exits with its status.
    public static func runLibFuzzer(_ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Never {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(llvmFuzzerRunDriver(&argc, &argv, testOneInput))
    }
}
#endif
