import Testing
@testable import RRGdb

/// Feeds scripted bytes to a session and keeps what it sends back.
final class ScriptedTransport: ByteTransport {
    var incoming: [[UInt8]]
    var sent: [UInt8] = []

    init(_ packets: [String], raw: Bool = false) {
        incoming = packets.map { raw ? Array($0.utf8) : PacketFraming.frame($0) }
    }

    func receive() throws -> [UInt8] { incoming.isEmpty ? [] : incoming.removeFirst() }
    func send(_ bytes: [UInt8]) throws { sent += bytes }

    /// The payloads sent, with acknowledgements left out.
    var replies: [String] {
        var decoder = PacketDecoder()
        return ((try? decoder.feed(sent)) ?? []).compactMap {
            if case let .packet(payload) = $0 { return String(decoding: payload, as: UTF8.self) }
            return nil
        }
    }
}

/// Two threads, 0x10 bytes of memory at 0x1000, registers numbered by position.
final class FakeTarget: DebugTarget {
    let processID: Int32 = 0x2a
    var threads: [Int32] = [0x2a, 0x2b]
    var breakpoints: Set<UInt64> = []
    var watchpoints: [(BreakpointKind, UInt64, Int)] = []
    let memory: [UInt8] = Array(0..<16)

    func registerValues(of thread: Int32) throws -> [[UInt8]] {
        TargetDescription.registers.indices.map { Hex.littleEndian(UInt64($0) + UInt64(thread) << 8, width: TargetDescription.registers[$0].bytes) }
    }

    func readMemory(of thread: Int32, at address: UInt64, count: Int) -> [UInt8] {
        guard address >= 0x1000, address < 0x1010 else { return [] }
        let start = Int(address - 0x1000)
        return Array(memory[start..<min(16, start + count)])
    }

    func insertBreakpoint(_ kind: BreakpointKind, at address: UInt64, length: Int) -> Bool {
        guard kind.isWatchpoint else { return breakpoints.insert(address).inserted }
        watchpoints.append((kind, address, length))
        return true
    }
    func removeBreakpoint(_ kind: BreakpointKind, at address: UInt64, length: Int) -> Bool {
        guard kind.isWatchpoint else { return breakpoints.remove(address) != nil }
        guard let index = watchpoints.firstIndex(where: { $0 == (kind, address, length) }) else { return false }
        watchpoints.remove(at: index)
        return true
    }
    func object(_ name: String, annex: String) -> [UInt8]? { name == "exec-file" ? Array("/bin/prog".utf8) : nil }
    func monitor(_ command: String) -> String? { command == "when" ? "Current event: 7\n" : nil }
}

@Suite struct GdbSessionTests {
    func session(_ packets: [String], target: FakeTarget = FakeTarget()) -> (GdbSession, ScriptedTransport) {
        let transport = ScriptedTransport(packets)
        return (GdbSession(channel: PacketChannel(transport: transport), target: target), transport)
    }

    @Test func startsAndContinues() throws {
        let (session, transport) = session(["qSupported:swbreak+", "QStartNoAckMode", "?", "qfThreadInfo", "qsThreadInfo", "qC", "vCont;c"])
        #expect(try session.stopped(.stopped(thread: 0x2a, .signal(GdbSession.sigtrap))) == .resume(.continue, thread: 0x2a))
        #expect(transport.replies == [GdbSession.supportedFeatures.joined(separator: ";"), "OK", "T05thread:2a;", "m2a,2b", "l", "QC2a"])
        // Acknowledged until no-ack mode was agreed: qSupported and QStartNoAckMode itself.
        var decoder = PacketDecoder()
        #expect(try decoder.feed(transport.sent).filter { $0 == .ack }.count == 2)
        transport.incoming = [PacketFraming.frame("vCont;s:2b")]
        #expect(try session.stopped(.stopped(thread: 0x2a, .softwareBreakpoint)) == .resume(.step, thread: 0x2b))
        #expect(transport.replies.last == "T05thread:2a;swbreak:;")
    }

    @Test func readsRegistersOfTheSelectedThread() throws {
        let (session, transport) = session(["Hg2b", "p0", "p10", "g", "p999", "k"])
        #expect(try session.stopped(.stopped(thread: 0x2a, .signal(5))) == .kill)
        let replies = transport.replies
        #expect(replies[0] == "OK")
        #expect(replies[1] == "002b000000000000")
        #expect(replies[2] == "102b000000000000")  // rip, register 16
        let total = TargetDescription.registers.reduce(0) { $0 + $1.bytes }
        #expect(replies[3].count == total * 2)
        #expect(replies[4] == GdbSession.argumentError)
    }

    @Test func readsMemoryAndRefusesWhatIsUnreadable() throws {
        let (session, transport) = session(["m100c,8", "m0,4", "m1000,0", "mzz", "M1000,1:00", "D"])
        #expect(try session.stopped(.stopped(thread: 0x2a, .signal(5))) == .detach)
        // A write the target refuses (this one takes none) is a memory error.
        #expect(transport.replies == ["0c0d0e0f", GdbSession.memoryError, "", GdbSession.argumentError, GdbSession.memoryError, "OK"])
    }

    @Test func breakpointsGoToTheTarget() throws {
        let target = FakeTarget()
        let (session, transport) = session(["Z0,401000,1", "Z0,401000,1", "z0,401000,1", "Z1,402000,1", "Z2,403000,4",
                                            "Z3,403008,8", "z3,403008,8", "z4,403008,8", "Z5,403000,4", "k"], target: target)
        _ = try session.stopped(.stopped(thread: 0x2a, .signal(5)))
        #expect(transport.replies == ["OK", GdbSession.argumentError, "OK", "OK", "OK", "OK", "OK", GdbSession.argumentError, GdbSession.argumentError])
        #expect(target.breakpoints == [0x402000])
        #expect(target.watchpoints.count == 1 && target.watchpoints[0] == (.writeWatchpoint, 0x403000, 4))
    }

    /// A watchpoint's stop names its kind and the watched address, as gdb reads it.
    @Test func watchpointStopsNameTheData() throws {
        let (session, transport) = session(["?", "k"])
        _ = try session.stopped(.stopped(thread: 0x2a, .watchpoint(.writeWatchpoint, address: 0x403000)))
        #expect(transport.replies == ["T05thread:2a;watch:403000;"])
        #expect(session.stopReply(.stopped(thread: 0x2b, .watchpoint(.readWatchpoint, address: 0x10))) == "T05thread:2b;rwatch:10;")
        #expect(session.stopReply(.stopped(thread: 0x2b, .watchpoint(.accessWatchpoint, address: 0x10))) == "T05thread:2b;awatch:10;")
    }

    /// `monitor when`: the text in an `O` packet, then `OK`; a command the target does not know
    /// gets the empty reply (gdb: "Target does not support this command").
    @Test func monitorCommandsPrintThroughOPackets() throws {
        let (session, transport) = session(["qRcmd," + Hex.encode(Array("when".utf8)), "qRcmd,78", "qRcmd,zz", "k"])
        #expect(try session.stopped(.stopped(thread: 0x2a, .signal(5))) == .kill)
        #expect(transport.replies == ["O" + Hex.encode(Array("Current event: 7\n".utf8)), "OK", "", "E16"])
    }

    /// Going backwards: gdb hears that the target can (qSupported), the commands come back as
    /// resumes, and the start of the recording is a stop that says so.
    @Test func reverseExecutionIsOfferedAndTheStartIsNamed() throws {
        let (session, transport) = session(["qSupported:swbreak+", "bc"])
        #expect(try session.stopped(.stopped(thread: 0x2a, .signal(5))) == .resume(.reverseContinue, thread: 0x2a))
        #expect(transport.replies.first?.contains(";ReverseContinue+;ReverseStep+") == true, "\(transport.replies)")
        #expect(session.stopReply(.stopped(thread: 0x2a, .historyStart)) == "T05thread:2a;replaylog:begin;")
    }

    /// QPassSignals lists the signals to deliver without a stop (hex numbers); a bad list is a
    /// bad packet. `vRun`'s first argument, hex-decoded, says where `run` goes.
    @Test func passedSignalsAndWhereRunGoes() throws {
        let (passing, transport) = session(["QPassSignals:e;11;1c", "QPassSignals:zz", "vRun;" + Hex.encode(Array("/bin/prog".utf8)) + ";" + Hex.encode(Array("c2".utf8))])
        #expect(try passing.stopped(.stopped(thread: 0x2a, .signal(5))) == .restart(from: "c2"))
        #expect(transport.replies == ["OK", "E16"])
        // gdb's numbers: 0xe SIGALRM, 0x11 SIGSTOP, 0x1c SIGWINCH (Linux 14, 19, 28).
        #expect(passing.passedSignals == [14, 19, 28])
        #expect(passing.stopReply(.stopped(thread: 0x2a, .signal(10))) == "T1ethread:2a;", "SIGUSR1 is gdb's 30")
        #expect(passing.stopReply(.exited(shellStatus: 128 + 7)) == "X0a", "killed by SIGBUS, gdb's 10")
        #expect(GdbSignals.gdbNumber(linux: 34) == 46 && GdbSignals.linuxNumber(gdb: 46) == 34)
        #expect((1...64).allSatisfy { $0 == 16 || GdbSignals.linuxNumber(gdb: GdbSignals.gdbNumber(linux: $0)) == $0 })
        let (plain, _) = session(["vRun;" + Hex.encode(Array("/bin/prog".utf8))])
        #expect(try plain.stopped(.stopped(thread: 0x2a, .signal(5))) == .restart(from: nil))
    }

    @Test func servesTheTargetDescriptionInChunks() throws {
        let (session, transport) = session(["qXfer:features:read:target.xml:0,40", "qXfer:features:read:target.xml:40,100000",
                                            "qXfer:features:read:other.xml:0,10", "qXfer:exec-file:read::0,100", "qXfer:auxv:read::0,100", "k"])
        _ = try session.stopped(.stopped(thread: 0x2a, .signal(5)))
        let replies = transport.replies
        #expect(replies[0].hasPrefix("m<?xml"))
        #expect(replies[1].hasPrefix("l"))
        #expect(String(replies[0].dropFirst() + replies[1].dropFirst()) == TargetDescription.xml)
        #expect(replies[2] == GdbSession.argumentError)
        #expect(replies[3] == "l/bin/prog")
        #expect(replies[4] == "")
    }

    @Test func reportsTheEnd() throws {
        let (session, transport) = session(["c"])
        #expect(try session.stopped(.stopped(thread: 0x2a, .signal(5))) == .resume(.continue, thread: 0x2a))
        transport.incoming = [PacketFraming.frame("c"), PacketFraming.frame("k")]
        #expect(try session.stopped(.exited(shellStatus: 3)) == .kill)
        #expect(transport.replies == ["W03", "W03"])
        transport.incoming = [PacketFraming.frame("?")]
        #expect(throws: GdbProtocolError.disconnected) { try session.stopped(.exited(shellStatus: 139)) }
        #expect(transport.replies.last == "X0b")
    }

    @Test func corruptPacketsAreAskedForAgain() throws {
        let transport = ScriptedTransport(["$g#00", "$?#3f", "-", "$k#6b"], raw: true)
        let session = GdbSession(channel: PacketChannel(transport: transport), target: FakeTarget())
        #expect(try session.stopped(.stopped(thread: 0x2a, .signal(5))) == .kill)
        #expect(String(decoding: transport.sent, as: UTF8.self) == "-+$T05thread:2a;#39$T05thread:2a;#39+")
    }

    @Test func targetDescriptionNumbersEveryRegister() {
        let xml = TargetDescription.xml
        #expect(xml.contains("<reg name=\"rip\" bitsize=\"64\" type=\"code_ptr\" regnum=\"16\"/>"))
        #expect(xml.contains("<reg name=\"orig_rax\""))
        for feature in ["core", "sse", "linux"] { #expect(xml.contains("org.gnu.gdb.i386.\(feature)")) }
        // FXSAVE: st0 at 32 (10 bytes), xmm1 at 176; the abridged tag 0x01 is st0 valid, the rest empty.
        var fxsave = [UInt8](repeating: 0, count: TargetDescription.fxsaveBytes)
        fxsave[4] = 0x01
        fxsave[32] = 0xaa
        fxsave[176] = 0xbb
        let values = TargetDescription.values(general: ["rip": 0x401000, "eflags": 0x246], xsave: fxsave)
        let index = { (name: String) in TargetDescription.registers.firstIndex { $0.name == name }! }
        #expect(values[index("rip")] == [0, 0x10, 0x40, 0, 0, 0, 0, 0])
        #expect(values[index("eflags")] == [0x46, 0x02, 0, 0])
        #expect(values[index("st0")].count == 10 && values[index("st0")][0] == 0xaa)
        #expect(values[index("xmm1")][0] == 0xbb)
        #expect(values[index("ftag")] == [0xfc, 0xff, 0, 0])
    }
}
