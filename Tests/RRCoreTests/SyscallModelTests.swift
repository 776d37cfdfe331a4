@testable import RRCore
import Testing

/// The memory each modelled syscall writes, for the calls whose ranges are easy to get wrong.
@Suite struct SyscallModelTests {
    static func ranges(_ number: SyscallNumber, _ arguments: [UInt64], result: Int64,
                       memory: TraceeMemoryReader = NoTraceeMemory()) throws -> [MemoryRange] {
        let spec = try #require(SyscallModel.spec(for: number), "no model entry for \(number)")
        return try spec.writtenRanges(SyscallContext(arguments: arguments, result: result, memory: memory))
    }

    static func range(_ address: RemoteAddress, _ length: Int) -> MemoryRange { MemoryRange(address: address, length: length) }

    @Test func readWritesTheBytesItReturned() throws {
        #expect(try Self.ranges(.read, [3, 0x7000, 4096, 0, 0, 0], result: 100) == [Self.range(0x7000, 100)])
        #expect(try Self.ranges(.read, [3, 0x7000, 4096, 0, 0, 0], result: 4096) == [Self.range(0x7000, 4096)])
    }

    @Test func readWritesNothingAtEndOfFileOrOnFailure() throws {
        #expect(try Self.ranges(.read, [3, 0x7000, 4096, 0, 0, 0], result: 0).isEmpty)
        #expect(try Self.ranges(.read, [3, 0x7000, 4096, 0, 0, 0], result: -11).isEmpty)  // EAGAIN
        #expect(try Self.ranges(.read, [3, 0x7000, 4096, 0, 0, 0], result: -14).isEmpty)  // EFAULT
    }

    static let iovecArray: [(base: UInt64, length: UInt64)] = [(0xa000, 10), (0xb000, 0), (0xc000, 20), (0xd000, 30)]

    @Test func readvScattersOverTheIovecsWithAPartialLastOne() throws {
        let memory = FakeTraceeMemory.iovecs(at: 0x5000, Self.iovecArray)
        let ranges = try Self.ranges(.readv, [3, 0x5000, 4, 0, 0, 0], result: 25, memory: memory)
        #expect(ranges == [Self.range(0xa000, 10), Self.range(0xc000, 15)])
    }

    @Test func readvFillingEveryIovec() throws {
        let memory = FakeTraceeMemory.iovecs(at: 0x5000, Self.iovecArray)
        let ranges = try Self.ranges(.readv, [3, 0x5000, 4, 0, 0, 0], result: 60, memory: memory)
        #expect(ranges == [Self.range(0xa000, 10), Self.range(0xc000, 20), Self.range(0xd000, 30)])
    }

    @Test func readvStopsAtTheIovecCount() throws {
        // Only the first two iovecs are in the array the call was given; the rest is not read.
        let memory = FakeTraceeMemory.iovecs(at: 0x5000, Array(Self.iovecArray.prefix(2)))
        let ranges = try Self.ranges(.readv, [3, 0x5000, 2, 0, 0, 0], result: 10, memory: memory)
        #expect(ranges == [Self.range(0xa000, 10)])
    }

    @Test func readvWritesNothingOnFailure() throws {
        #expect(try Self.ranges(.readv, [3, 0x5000, 4, 0, 0, 0], result: -9).isEmpty)
    }

    @Test func scatterHandlesAnIovecLongerThanTheResult() throws {
        let memory = FakeTraceeMemory.iovecs(at: 0x100, [(0x9000, 1 << 20)])
        #expect(try SyscallSpec.scatter(iovecs: 0x100, count: 1, total: 5, memory: memory) == [Self.range(0x9000, 5)])
        #expect(try SyscallSpec.scatter(iovecs: 0x100, count: 1, total: 0, memory: memory).isEmpty)
    }

    @Test func statFamilyWrites144Bytes() throws {
        #expect(try Self.ranges(.fstat, [3, 0x8000, 0, 0, 0, 0], result: 0) == [Self.range(0x8000, 144)])
        #expect(try Self.ranges(.newfstatat, [0xffff_ff9c, 0x6000, 0x8000, 0, 0, 0], result: 0) == [Self.range(0x8000, 144)])
        #expect(try Self.ranges(.stat, [0x6000, 0x8000, 0, 0, 0, 0], result: 0) == [Self.range(0x8000, 144)])
        #expect(try Self.ranges(.fstat, [3, 0x8000, 0, 0, 0, 0], result: -9).isEmpty)
    }

    @Test(arguments: [(UInt64(1), 8), (64, 8), (65, 16), (128, 16), (1024, 128)])
    func selectFdSetsAreSizedByNfds(nfds: UInt64, setBytes: Int) throws {
        let ranges = try Self.ranges(.select, [nfds, 0x1000, 0x2000, 0x3000, 0x4000, 0], result: 1)
        #expect(ranges == [Self.range(0x1000, setBytes), Self.range(0x2000, setBytes), Self.range(0x3000, setBytes),
                           Self.range(0x4000, 16)])
    }

    /// Arguments ask for anything; the ranges are what the kernel writes (issue 8: no allocation
    /// sized by the request). nfds is an int, clamped by the kernel to the descriptor table.
    @Test func selectStopsAtTheDescriptorTable() throws {
        let memory = DescriptorTableOnly(size: 64)
        #expect(try Self.ranges(.select, [0x7fff_ffff, 0x1000, 0, 0, 0, 0], result: 1, memory: memory) == [Self.range(0x1000, 8)])
        #expect(try Self.ranges(.select, [0x1_0000_0005, 0x1000, 0, 0, 0, 0], result: 1, memory: memory) == [Self.range(0x1000, 8)])
        #expect(try Self.ranges(.select, [0x1_0000_0005, 0x1000, 0, 0, 0, 0], result: 1) == [Self.range(0x1000, 8)])
    }

    @Test func pollCountIsAnUnsignedInt() throws {
        #expect(try Self.ranges(.poll, [0x1000, 0x1_0000_0001, 0, 0, 0, 0], result: 1) == [Self.range(0x1000, 8)])
    }

    @Test func iovecLengthsAndCountsBeyondIntDoNotTrap() throws {
        let memory = FakeTraceeMemory.iovecs(at: 0x100, [(0x9000, UInt64.max)])
        #expect(try SyscallSpec.scatter(iovecs: 0x100, count: Int.max, total: 5, memory: memory) == [Self.range(0x9000, 5)])
        #expect(try Self.ranges(.readv, [3, 0x100, UInt64.max, 0, 0, 0], result: 5, memory: memory) == [Self.range(0x9000, 5)])
    }

    /// A signal interrupting a polling call: the kernel still writes back the remaining timeout
    /// (and poll's revents), never select's descriptor sets; any other failure writes nothing.
    @Test(arguments: [Int64(-4), -514, -516])
    func interruptedPollingWritesTheRemainingTimeout(result: Int64) throws {
        #expect(try Self.ranges(.select, [5, 0x1000, 0x2000, 0x3000, 0x4000, 0], result: result) == [Self.range(0x4000, 16)])
        #expect(try Self.ranges(.pselect6, [5, 0x1000, 0, 0, 0x4000, 0], result: result) == [Self.range(0x4000, 16)])
        #expect(try Self.ranges(.ppoll, [0x1000, 2, 0x4000, 0, 0, 0], result: result) == [Self.range(0x1000, 16), Self.range(0x4000, 16)])
        #expect(try Self.ranges(.poll, [0x1000, 2, 100, 0, 0, 0], result: result) == [Self.range(0x1000, 16)])
    }

    @Test func pollingThatFailsOtherwiseWritesNothing() throws {
        for number in [SyscallNumber.select, .pselect6, .ppoll, .poll] {
            #expect(try Self.ranges(number, [5, 0x1000, 0x2000, 0x3000, 0x4000, 0], result: -14).isEmpty)  // EFAULT
            #expect(try Self.ranges(number, [5, 0x1000, 0x2000, 0x3000, 0x4000, 0], result: -22).isEmpty)  // EINVAL
        }
    }

    @Test func selectSkipsNullSets() throws {
        #expect(try Self.ranges(.select, [5, 0x1000, 0, 0, 0, 0], result: 0) == [Self.range(0x1000, 8)])
    }

    @Test func ioctlTcgetsIsAcceptedAndWritesATermios() throws {
        let spec = try #require(SyscallModel.spec(for: .ioctl))
        let arguments: [UInt64] = [0, 0x5401, 0x9000, 0, 0, 0]
        #expect(spec.validate?(arguments) == nil)
        #expect(try Self.ranges(.ioctl, arguments, result: 0) == [Self.range(0x9000, 36)])
        #expect(try Self.ranges(.ioctl, arguments, result: -25).isEmpty)  // ENOTTY
    }

    @Test func ioctlUnknownRequestIsRejectedByName() throws {
        let validate = try #require(SyscallModel.spec(for: .ioctl)?.validate)
        let message = try #require(validate([1, 0x5412, 0x9000, 0, 0, 0]))  // TIOCSTI
        #expect(message.contains("ioctl"))
        #expect(message.contains("0x5412"))
    }

    @Test func fcntlGetlkWritesAFlock() throws {
        let spec = try #require(SyscallModel.spec(for: .fcntl))
        let arguments: [UInt64] = [3, 5, 0x9000, 0, 0, 0]  // F_GETLK
        #expect(spec.validate?(arguments) == nil)
        #expect(try Self.ranges(.fcntl, arguments, result: 0) == [Self.range(0x9000, 32)])
        // F_SETFL takes an integer argument, not a pointer: nothing is written.
        #expect(try Self.ranges(.fcntl, [3, 4, 0x800, 0, 0, 0], result: 0).isEmpty)
    }

    @Test func fcntlUnknownCommandIsRejectedByName() throws {
        let message = try #require(SyscallModel.spec(for: .fcntl)?.validate?([3, 9999, 0, 0, 0, 0]))
        #expect(message.contains("fcntl"))
        #expect(message.contains("9999"))
    }

    @Test func futexUnknownOperationIsRejected() throws {
        let validate = try #require(SyscallModel.spec(for: .futex)?.validate)
        #expect(validate([0x1000, 0, 1, 0, 0, 0]) == nil)  // FUTEX_WAIT
        #expect(validate([0x1000, 0x81, 1, 0, 0, 0]) == nil)  // FUTEX_WAKE_PRIVATE
        let message = try #require(validate([0x1000, 2, 0, 0, 0, 0]))  // FUTEX_FD, removed from Linux
        #expect(message.contains("futex"))
        #expect(message.contains("2"))
        #expect(validate([0x1000, 0x80 | 2, 0, 0, 0, 0]) != nil, "the PRIVATE flag must not hide the operation")
        #expect(validate([0x1000, 14, 0, 0, 0, 0]) != nil)
    }

    @Test func everySupportedSyscallHasAKernelName() {
        #expect(!SyscallModel.supported.isEmpty)
        for number in SyscallModel.supported {
            #expect(!number.name.hasPrefix("syscall_"), "model entry \(number.rawValue) has no name")
            #expect(SyscallNumber(name: number.name) == number)
        }
    }

    @Test func theModelEntryIsForItsOwnNumber() {
        for number in SyscallModel.supported {
            #expect(SyscallModel.spec(for: number)?.number == number)
        }
    }

    /// Task creation runs for real in replay but must return the recorded child tid; clone3 is
    /// refused (ENOSYS) so glibc falls back to clone, whose arguments replay can check.
    @Test(arguments: ["clone", "fork", "vfork"])
    func taskCreationRunsWithTheRecordedResult(name: String) throws {
        let number = try #require(SyscallNumber(name: name))
        #expect(SyscallModel.spec(for: number)?.treatment == .executeWithRecordedResult)
    }

    @Test func clone3IsRefused() throws {
        #expect(SyscallModel.spec(for: try #require(SyscallNumber(name: "clone3")))?.treatment == .refuse)
    }

    /// sendmmsg writes each sent message's msg_len (after the 56-byte msghdr in a 64-byte mmsghdr), no more than the result says.
    @Test func sendmmsgWritesTheLengthOfEachSentMessage() throws {
        #expect(try Self.ranges(.sendmmsg, [3, 0x9000, 3, 0, 0, 0], result: 2) == [Self.range(0x9038, 4), Self.range(0x9078, 4)])
        #expect(try Self.ranges(.sendmmsg, [3, 0x9000, 3, 0, 0, 0], result: -11).isEmpty)
    }

    /// recvmmsg: per message received, its msghdr, name, the iovec bytes up to its msg_len, control
    /// and msg_len; then the timeout the kernel updates.
    @Test func recvmmsgWritesWhatEachReceivedMessageGot() throws {
        func word(_ value: UInt64) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
        func mmsghdr(iovecs: UInt64, count: UInt64, received: UInt32) -> [UInt8] {
            word(0) + word(0) + word(iovecs) + word(count) + word(0) + word(0) + word(0)
                + withUnsafeBytes(of: received.littleEndian) { Array($0) } + [0, 0, 0, 0]
        }
        var memory = FakeTraceeMemory.iovecs(at: 0x8000, [(0xa000, 100), (0xb000, 100)])
        memory.regions[0x9000] = mmsghdr(iovecs: 0x8000, count: 1, received: 7) + mmsghdr(iovecs: 0x8010, count: 1, received: 100)
            + mmsghdr(iovecs: 0x8000, count: 1, received: 55)  // not received: the result is 2
        let ranges = try Self.ranges(.recvmmsg, [3, 0x9000, 3, 0, 0x7000, 0], result: 2, memory: memory)
        #expect(ranges == [Self.range(0x9000, 56), Self.range(0xa000, 7), Self.range(0x9038, 4),
                           Self.range(0x9040, 56), Self.range(0xb000, 100), Self.range(0x9078, 4),
                           Self.range(0x7000, 16)])
    }

    @Test func posixTimersWriteTheirIdAndTimes() throws {
        #expect(try Self.ranges(.timer_create, [1, 0, 0x7000, 0, 0, 0], result: 0) == [Self.range(0x7000, 4)])
        #expect(try Self.ranges(.timer_settime, [0, 0, 0x6000, 0x7000, 0, 0], result: 0) == [Self.range(0x7000, 32)])
        #expect(try Self.ranges(.timer_gettime, [0, 0x7000, 0, 0, 0, 0], result: 0) == [Self.range(0x7000, 32)])
        #expect(try Self.ranges(.rt_sigqueueinfo, [100, 10, 0x7000, 0, 0, 0], result: 0).isEmpty)
    }

    /// Calls outside the model are refused with the kernel's error for a missing call or
    /// operation, and a warning names the known ones; numbers the kernel does not know get no warning.
    @Test func callsOutsideTheModelAreRefusedWithTheKernelsError() throws {
        let rip: UInt64 = 0x40_1000
        let none: [UInt64] = [0, 0, 0, 0, 0, 0]
        #expect(SyscallModel.refusal(for: SyscallNumber(-1), arguments: none, rip: rip) == SyscallRefusal(error: 38, unsupported: nil))
        #expect(SyscallModel.refusal(for: SyscallNumber(400), arguments: none, rip: rip) == SyscallRefusal(error: 38, unsupported: nil))
        #expect(SyscallModel.refusal(for: SyscallNumber(1 << 40), arguments: none, rip: rip) == SyscallRefusal(error: 38, unsupported: nil))
        let bpf = try #require(SyscallNumber(name: "bpf"))
        #expect(SyscallModel.refusal(for: bpf, arguments: none, rip: rip) == SyscallRefusal(error: 38, unsupported: "bpf"))
        #expect(SyscallModel.refusal(for: .ioctl, arguments: [3, 0x787f, 0, 0, 0, 0], rip: rip)
                == SyscallRefusal(error: 25, unsupported: "ioctl request 0x787f"))
        #expect(SyscallModel.refusal(for: .fcntl, arguments: [3, 9999, 0, 0, 0, 0], rip: rip)?.error == 22)
        #expect(SyscallModel.refusal(for: .prctl, arguments: [0x7fff_1234, 0, 0, 0, 0, 0], rip: rip)?.error == 22)
        #expect(SyscallModel.refusal(for: .futex, arguments: [0x1000, 15, 0, 0, 0, 0], rip: rip)?.error == 38)
        // Refused on purpose, without a warning: glibc tries these at every start.
        #expect(SyscallModel.refusal(for: .rseq, arguments: none, rip: rip) == SyscallRefusal(error: 38, unsupported: nil))
        // Modelled calls and operations are not refused.
        #expect(SyscallModel.refusal(for: .read, arguments: none, rip: rip) == nil)
        #expect(SyscallModel.refusal(for: .ioctl, arguments: [0, 0x5401, 0x9000, 0, 0, 0], rip: rip) == nil)
    }

    /// The program's own ptrace: what a stop-the-world needs is emulated, the rest (a tracer
    /// proper, as strace is) refused with ENOSYS and named.
    @Test func programPtraceIsEmulatedAsFarAsAStopTheWorldNeeds() {
        let rip = SyscallBufferLayout.tracedSlot + 2
        for request: UInt64 in [16, 2, 12, 14, 0x4204, 17] {  // ATTACH, PEEKDATA, GETREGS, GETFPREGS, GETREGSET, DETACH
            #expect(SyscallModel.refusal(for: .ptrace, arguments: [request, 100, 0, 0, 0, 0], rip: rip) == nil, "request \(request)")
        }
        #expect(SyscallModel.refusal(for: .ptrace, arguments: [0, 0, 0, 0, 0, 0], rip: rip)
                == SyscallRefusal(error: 38, unsupported: "ptrace request 0"))  // PTRACE_TRACEME
        #expect(SyscallModel.refusal(for: .ptrace, arguments: [24, 100, 0, 0, 0, 0], rip: rip)?.error == 38)  // PTRACE_SYSCALL
        #expect(SyscallModel.refusal(for: .ptrace, arguments: [17, 100, 0, 10, 0, 0], rip: rip)
                == SyscallRefusal(error: 38, unsupported: "ptrace detach with a signal"))
        #expect(SyscallModel.refusal(for: .prctl, arguments: [0x5961_6d61, 100, 0, 0, 0, 0], rip: rip) == nil)  // PR_SET_PTRACER
    }

    /// 1000 and 1001 are the preload library's calls only from its traced slot; anywhere else
    /// they are a program's numbers the kernel does not know.
    @Test func libraryCallsCountOnlyFromTheTracedSlot() {
        let none: [UInt64] = [0, 0, 0, 0, 0, 0]
        for number in [SyscallBufferLayout.initProcessCall, SyscallBufferLayout.initThreadCall] {
            #expect(SyscallModel.refusal(for: number, arguments: none, rip: SyscallBufferLayout.tracedSlot + 2) == nil)
            #expect(SyscallModel.refusal(for: number, arguments: none, rip: 0x40_1002) == SyscallRefusal(error: 38, unsupported: nil))
        }
    }

    @Test func wellKnownNumbers() {
        #expect(SyscallNumber.read.rawValue == 0)
        #expect(SyscallNumber.readv.rawValue == 19)
        #expect(SyscallNumber.newfstatat.rawValue == 262)
        #expect(SyscallNumber.futex.rawValue == 202)
        #expect(SyscallNumber(name: "openat")?.rawValue == 257)
        #expect(SyscallNumber(999).name == "syscall_999")
    }
}
