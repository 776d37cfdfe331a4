import Testing
import RRCore

/// The settings that cannot be simulated without changing the machine (Yama is not even built
/// into every kernel): the messages chosen for each value.
@Suite struct SystemPolicyMessageTests {
    @Test func yamaScopesThatForbidTracingAreNamed() {
        for scope in [2, 3] {
            let message = SystemPolicy.ptraceDenied(yamaScope: scope)
            #expect(message.contains("kernel.yama.ptrace_scope is \(scope)"))
            #expect(message.contains("sudo sysctl kernel.yama.ptrace_scope=1"))
            #expect(!message.contains("\n"))
        }
        // Scope 1 lets a process trace its children, as the recorder does: the cause is elsewhere.
        for scope in [nil, 0, 1] as [Int?] {
            #expect(SystemPolicy.ptraceDenied(yamaScope: scope).contains("container"))
        }
    }

    @Test func perfEventParanoidThreeIsNamedForUsersOnly() {
        #expect(SystemPolicy.perfEventsDenied(paranoid: 2, privileged: false) == nil)
        #expect(SystemPolicy.perfEventsDenied(paranoid: 3, privileged: true) == nil)
        let message = SystemPolicy.perfEventsDenied(paranoid: 3, privileged: false)
        #expect(message?.contains("kernel.perf_event_paranoid is 3") == true)
        #expect(message?.contains("sudo sysctl kernel.perf_event_paranoid=1") == true)
    }

    @Test func settingsAreReadFromProc() {
        #expect(SystemPolicy.setting(SystemPolicy.perfEventParanoid) != nil)
        #expect(SystemPolicy.setting("/proc/sys/kernel/no-such-setting") == nil)
    }
}
