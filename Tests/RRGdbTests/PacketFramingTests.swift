import Testing
@testable import RRGdb

/// The framing against packets written out by hand (checksums computed with python3).
@Suite struct PacketFramingTests {
    @Test func framesWithChecksum() {
        // sum("OK") = 0x4f + 0x4b = 0x9a
        #expect(String(decoding: PacketFraming.frame("OK"), as: UTF8.self) == "$OK#9a")
        #expect(String(decoding: PacketFraming.frame(""), as: UTF8.self) == "$#00")
    }

    @Test func escapesBinaryPayloads() throws {
        let framed = PacketFraming.frame([0x24, 0x23, 0x7d, 0x2a, 0x41])
        #expect(Array(framed.dropFirst().prefix(9)) == [0x7d, 0x04, 0x7d, 0x03, 0x7d, 0x5d, 0x7d, 0x0a, 0x41])
        var decoder = PacketDecoder()
        #expect(try decoder.feed(framed) == [.packet([0x24, 0x23, 0x7d, 0x2a, 0x41])])
    }

    @Test func decodesPacketsSplitAcrossReads() throws {
        var decoder = PacketDecoder()
        #expect(try decoder.feed(Array("+$qSupp".utf8)) == [.ack])
        #expect(try decoder.feed(Array("orted#37".utf8)) == [.packet(Array("qSupported".utf8))])
        #expect(try decoder.feed([0x03, UInt8(ascii: "-")]) == [.interrupt, .nak])
    }

    @Test func rejectsBadChecksums() throws {
        var decoder = PacketDecoder()
        #expect(try decoder.feed(Array("$g#00$g#67".utf8)) == [.corruptPacket, .packet([UInt8(ascii: "g")])])
        #expect(try decoder.feed(Array("$g#zz".utf8)) == [.corruptPacket])
    }

    @Test func refusesEndlessPackets() {
        var decoder = PacketDecoder()
        let huge = [UInt8(ascii: "$")] + [UInt8](repeating: UInt8(ascii: "a"), count: PacketDecoder.maximumPacket + 1)
        #expect(throws: GdbProtocolError.packetTooLong(PacketDecoder.maximumPacket)) { try decoder.feed(huge) }
    }

    @Test func hexNumbersAndBytes() {
        #expect(Hex.number("7fffF000") == 0x7fff_f000)
        #expect(Hex.number("") == nil)
        #expect(Hex.number("12g") == nil)
        #expect(Hex.number("11112222333344445") == nil)
        #expect(Hex.decode("00ff10") == [0, 255, 16])
        #expect(Hex.decode("0") == nil)
        #expect(Hex.encode([0xde, 0xad]) == "dead")
        #expect(Hex.littleEndian(0x0102, width: 4) == [2, 1, 0, 0])
    }
}

/// Requests as gdb 13 sends them.
@Suite struct RequestTests {
    func parse(_ text: String) throws -> Request { try Request.parse(Array(text.utf8)) }

    @Test func parsesWhatGdbSends() throws {
        #expect(try parse("qSupported:multiprocess+;swbreak+;hwbreak+") == .supported)
        #expect(try parse("m7ffff7fe3290,40") == .readMemory(address: 0x7fff_f7fe_3290, length: 0x40))
        #expect(try parse("p10") == .readRegister(16))
        #expect(try parse("Z0,555555555149,1") == .insertBreakpoint(.software, address: 0x5555_5555_5149, length: 1))
        #expect(try parse("z1,401000,1") == .removeBreakpoint(.hardware, address: 0x401000, length: 1))
        #expect(try parse("Z2,601040,4") == .insertBreakpoint(.writeWatchpoint, address: 0x601040, length: 4))
        #expect(try parse("z4,601040,8") == .removeBreakpoint(.accessWatchpoint, address: 0x601040, length: 8))
        #expect(throws: RequestError.self) { try parse("Z5,601040,4") }
        #expect(try parse("Hg0") == .setThread(forResume: false, .any))
        #expect(try parse("Hc-1") == .setThread(forResume: true, .all))
    }

    @Test func parsesResumes() throws {
        #expect(try parse("vCont;s:2a;c") == .vCont(actions: [ThreadAction(action: .step, thread: .thread(0x2a)), ThreadAction(action: .continue, thread: nil)]))
        #expect(try parse("vCont;c") == .vCont(actions: [ThreadAction(action: .continue, thread: nil)]))
        #expect(try parse("c") == .resume(.continue, thread: nil))
        #expect(try parse("S0b") == .resume(.step, thread: nil))
        #expect(try parse("vCont?") == .vContQuery)
        #expect(try parse("vKill;2a") == .kill(answered: true))
        #expect(try parse("k") == .kill(answered: false))
        #expect(try parse("bc") == .resume(.reverseContinue, thread: nil))
        #expect(try parse("bs") == .resume(.reverseStep, thread: nil))
        #expect(try parse("bx") == .unknown("bx"))
        #expect(try parse("P10=0102030405060708") == .writeRegister(0x10, [1, 2, 3, 4, 5, 6, 7, 8]))
        #expect(try parse("G0a0b") == .writeRegisters([0x0a, 0x0b]))
        #expect(try parse("M601040,2:abcd") == .writeMemory(address: 0x601040, bytes: [0xab, 0xcd]))
        #expect(throws: RequestError.self) { try parse("M601040,3:abcd") }
        #expect(throws: RequestError.self) { try parse("P10") }
        #expect(throws: RequestError.self) { try parse("Pffffffffffffffff=00") }
        #expect(throws: RequestError.self) { try parse("pffffffffffffffff") }
        #expect(try parse("X601040,0:") == .unknown("X601040,0:"))
    }

    @Test func parsesTransfers() throws {
        #expect(try parse("qXfer:features:read:target.xml:0,ffb") == .read(object: "features", annex: "target.xml", offset: 0, length: 0xffb))
        #expect(try parse("qXfer:exec-file:read:2a:0,fff") == .read(object: "exec-file", annex: "2a", offset: 0, length: 0xfff))
    }

    @Test(arguments: ["m12", "mzz,4", "m0,ffffffff", "Z0,,1", "Z9,0,1", "vCont;x", "Hx1", "Hgq", "Hgp1.2", "c1234", "Tzz", "qXfer:auxv:read::0"])
    func rejectsMalformedArguments(_ text: String) {
        #expect(throws: RequestError.self) { try Request.parse(Array(text.utf8)) }
    }

    @Test func unknownPacketsAreUnknown() throws {
        #expect(try parse("qTStatus") == .unknown("qTStatus"))
        #expect(try parse("vFile:setfs:0") == .unknown("vFile:setfs:0"))
    }
}
