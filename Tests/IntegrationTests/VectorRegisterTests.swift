import Foundation
import Testing

/// gdb sees the AVX and AVX-512 registers of a replayed thread where the CPU has them (the
/// target description then has the `avx` and `avx512` features).
@Suite struct VectorRegisterTests {
    @Test(.enabled(if: GdbServerTests.gdbAvailable)) func ymmZmmAndOpmaskRegistersAreShown() throws {
        let scratch = try TemporaryDirectory()
        let trace = scratch.url.appendingPathComponent("trace.rrt")
        let program = Harness.programs + "/vector_regs"
        let recorded = try Harness.record([program], trace: trace)
        let match = try #require(recorded.stdoutText.firstMatch(of: /avx (\d) avx512 (\d)/), "\(recorded.stdoutText)")
        let server = try GdbServerTests.Server(trace: trace, in: scratch)
        let gdb = try server.runGdb(debugging: program, """
        break mark
        continue
        print $ymm1.v8_int32
        print $zmm2.v16_int32
        print $k1
        delete
        continue
        """)
        let status = server.wait()
        let output = gdb.stdoutText
        if match.output.1 == "1" {
            #expect(output.contains("$1 = {1, 2, 3, 4, 5, 6, 7, 8}"), "\(output)\n\(gdb.stderrText)")
        }
        if match.output.2 == "1" {
            #expect(output.contains("$2 = {101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116}"), "\(output)")
            #expect(output.contains("$3 = 90\n"), "\(output)")
        }
        #expect(output.contains("exited normally]"), "\(output)")
        #expect(status == recorded.status, "\(server.stderrLines)")
    }
}
