import Foundation
import Testing

/// gdb learns the replayed program's libraries from the server (qXfer:libraries-svr4), and
/// reads their symbols from replay's copies when the original files are gone.
@Suite(.serialized) struct LibraryListTests {
    typealias Server = GdbServerTests.Server

    /// A program linked with a library of its own, recorded, then the library deleted: the
    /// session's library list names replay's copy from the trace, and a breakpoint on the
    /// library's function stops there with its argument, as the program printed it.
    @Test(.enabled(if: GdbServerTests.gdbAvailable)) func aDeletedLibraryIsDebuggedFromTheTrace() throws {
        let scratch = try TemporaryDirectory()
        let directory = scratch.url.path
        try "int gone_twice(int x) { return 2 * x; }\n".write(toFile: directory + "/gone.c", atomically: true, encoding: .utf8)
        try "#include <stdio.h>\nint gone_twice(int);\nint main(void) { printf(\"twice %d\\n\", gone_twice(21)); return 0; }\n"
            .write(toFile: directory + "/prog.c", atomically: true, encoding: .utf8)
        #expect(try Harness.run(["gcc", "-g", "-shared", "-fPIC", "-o", "libgone.so", "gone.c"], in: scratch.url).status == 0)
        #expect(try Harness.run(["gcc", "-g", "-o", "prog", "prog.c", "-L.", "-lgone", "-Wl,-rpath," + directory], in: scratch.url).status == 0)
        let trace = scratch.url.appendingPathComponent("trace.rrt")
        let recorded = try Harness.record([directory + "/prog"], trace: trace)
        #expect(recorded.stdoutText == "twice 42\n", "\(recorded.stderrText)")
        try FileManager.default.removeItem(atPath: directory + "/libgone.so")
        let server = try Server(trace: trace, in: scratch)
        let gdb = try server.runGdb(debugging: directory + "/prog", """
        break main
        continue
        maint packet qXfer:libraries-svr4:read::0,fff
        break gone_twice
        continue
        info sharedlibrary
        delete
        continue
        """)
        let status = server.wait()
        let output = gdb.stdoutText
        let list = output.split(separator: "\n").first { $0.hasPrefix("received: \"l<library-list-svr4") } ?? ""
        #expect(list.contains("/lib/x86_64-linux-gnu/libc.so.6") || list.contains("libc.so.6\""), "\(output)")
        // Each object is named by a file gdb can read: the deleted library by replay's copy.
        let names = list.components(separatedBy: "<library name=\"").dropFirst().compactMap { $0.split(separator: "\"").first.map(String.init) }
        #expect(names.count >= 4, "vdso, libgone, libc and ld.so: \(list)")
        #expect(names.filter { $0 != "linux-vdso.so.1" }.allSatisfy { access($0, R_OK) == 0 }, "\(names)")
        GdbServerTests.expectInOrder(["Breakpoint 2, gone_twice (x=21) at ", "exited normally]"], in: output, context: gdb.stderrText)
        #expect(status == recorded.status, "\(server.stderrLines)")
        #expect(try Data(contentsOf: server.stdoutURL) == recorded.stdout)
    }
}
