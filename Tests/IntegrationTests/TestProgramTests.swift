import Foundation
import Testing

/// Our own C programs (Tests/Programs), one per group of syscalls, each recorded and replayed.
@Suite struct TestProgramTests {
    static let expectations: [(name: String, status: Int32)] = {
        let list = Harness.root.appendingPathComponent("Tests/Programs/expected_status.txt")
        let text = (try? String(contentsOf: list, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count == 2, !line.hasPrefix("#"), let status = Int32(fields[1]) else { return nil }
            return (String(fields[0]), status)
        }
    }()

    /// Programs that make syscalls the recorder refuses with a warning (RefusedSyscallTests checks those).
    static let makeRefusedSyscalls: Set<String> = ["unknown_syscalls"]

    @Test func thereAreEnoughPrograms() {
        #expect(Self.expectations.count >= 25)
    }

    @Test(arguments: expectations.map(\.name))
    func recordAndReplay(program: String) throws {
        let expected = Self.expectations.first { $0.name == program }!.status
        let (recorded, _) = try Harness.recordAndReplay(["\(Harness.programs)/\(program)"],
                                                        allowingRefusalWarnings: Self.makeRefusedSyscalls.contains(program))
        #expect(recorded.status == expected, "\(program) exited \(recorded.status): \(recorded.stderrText.suffix(300))")
        #expect(!recorded.stdoutText.contains("FAIL"), "\(recorded.stdoutText)")
    }
}
