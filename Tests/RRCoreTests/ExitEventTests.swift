import Testing
import RRCore

@Suite struct ExitEventTests {
    @Test(arguments: [
        (Int32(0), Int32(0)),            // exit(0)
        (42 << 8, 42),                   // exit(42)
        (255 << 8, 255),                 // exit(255)
        (11, 139),                       // killed by SIGSEGV
        (0x86, 134),                     // SIGABRT with the core-dump flag (0x80)
        (9, 137),                        // SIGKILL
    ])
    func shellStatus(waitStatus: Int32, expected: Int32) {
        #expect(ExitEvent(tid: Tid(1), waitStatus: waitStatus, finalRegisters: nil).shellStatus == expected)
    }

    @Test func summaryMentionsShellStatus() {
        #expect(TraceEvent.exit(ExitEvent(tid: Tid(7), waitStatus: 42 << 8, finalRegisters: nil)).summary == "exit with status 42")
    }
}
