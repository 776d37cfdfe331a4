import CRRShims
import RRCore

#if canImport(Glibc)
import Glibc
#endif

/// Digests of the memory the registers point at: the near words, a window around each
/// general-purpose register's value, and the far words, where the near words point. Each is a
/// function of memory the full digest covers (`MemoryDigest`), so two states equal in registers
/// and memory have equal pointed digests; but they cost two reads instead of the whole address
/// space, and a search trampoline computes them in the thread itself (the hash needs no flags:
/// an add and BMI2's mulx). Replay compares them before the full digest: an interpreter's loop
/// (python3's) visits one instruction with all sixteen registers equal many times, its state in
/// the heap objects they point to (the values of the interpreter's stack, freed and reused at
/// the same addresses: only the far words differ), and a full digest at each such visit cost ~4 ms.
public enum PointedMemory {
    /// The window around a register's value: 8 words before it (a stack pointer's values lie
    /// below), 16 from it (an object's fields).
    public static let wordsBefore = 8, wordsFrom = 16
    /// The hash: h = seed; for each word, t = h + word, h = low + high of the 128-bit t * multiplier.
    public static let seed: UInt64 = 0x243f_6a88_85a3_08d3, multiplier: UInt64 = 0xff51_afd7_ed55_8ccd
    /// The most pieces one process_vm_readv takes (UIO_MAXIOV).
    static let mostPieces = 1024

    public static func fold(_ hash: UInt64, _ word: UInt64) -> UInt64 {
        let product = (hash &+ word).multipliedFullWidth(by: multiplier)
        return product.low &+ product.high
    }

    /// The words the digest takes, as (register number, address): those of each register's
    /// window that `coverage` holds whole.
    public static func words(of registers: Registers, coverage: [(UInt64, UInt64)]) -> [(register: Int, address: UInt64)] {
        (0..<16).flatMap { number -> [(register: Int, address: UInt64)] in
            let start = (registers[encoded: number] & ~7) &- UInt64(wordsBefore * 8)
            return (0..<(wordsBefore + wordsFrom)).compactMap { index in
                let address = start &+ UInt64(index * 8)
                guard address <= UInt64.max - 8, covering(address, in: coverage) != nil else { return nil }
                return (number, address)
            }
        }
    }

    /// What a near word points at: this many words from its value (an object's header and first fields).
    public static let wordsPointedAt = 6

    /// The far words: for each distinct non-zero value among the `near` words, in order of first
    /// appearance, the words from it rounded down to 8 that `coverage` holds whole.
    public static func farWords(near: [UInt64], coverage: [(UInt64, UInt64)]) -> [UInt64] {
        var seen = Set<UInt64>()
        return near.filter { $0 != 0 && seen.insert($0 & ~7).inserted }.flatMap { value in
            (0..<wordsPointedAt).compactMap { index -> UInt64? in
                let address = (value & ~7) &+ UInt64(index * 8)
                return address >= value & ~7 && address <= UInt64.max - 8 && covering(address, in: coverage) != nil ? address : nil
            }
        }
    }

    /// The fold of the readable words at `addresses`, their values and their addresses.
    public static func digest(pid: Tid, at addresses: [UInt64]) -> (digest: UInt64, values: [UInt64], readable: [UInt64]) {
        let read = zip(addresses, read(addresses, pid: pid)).compactMap { address, value in value.map { (address, $0) } }
        return (read.map(\.1).reduce(seed, fold), read.map(\.1), read.map(\.0))
    }

    /// Both digests for a thread of process `pid` with `registers`, memory covered as
    /// `coverage` says; words that cannot be read (a file mapping past the file's end) are left out.
    public static func digests(pid: Tid, registers: Registers, coverage: [(UInt64, UInt64)]) -> PointedMemoryDigests {
        let near = digest(pid: pid, at: words(of: registers, coverage: coverage).map(\.address))
        let far = digest(pid: pid, at: farWords(near: near.values, coverage: coverage))
        return PointedMemoryDigests(near: near.digest, far: far.digest)
    }

    /// The memory the full digest covers in `maps` (writable, not a shared file mapping, not the
    /// dead stack below the red zone, not `excluded`), as sorted (start, end) ranges.
    public static func coverage(_ maps: [Mapping], excluding excluded: [(UInt64, UInt64)], stackPointer: UInt64) -> [(UInt64, UInt64)] {
        var ranges: [(UInt64, UInt64)] = []
        for mapping in maps where mapping.permissions.hasPrefix("rw") && mapping.path != "[vsyscall]" {
            if mapping.permissions.hasSuffix("s") && mapping.inode != 0 { continue }
            var start = mapping.start
            if start <= stackPointer && stackPointer < mapping.end { start = max(start, stackPointer &- MemoryDigest.redZone) }
            ranges += subtract(excluded, from: (start, mapping.end))
        }
        return ranges.sorted { $0.0 < $1.0 }
    }

    private static func subtract(_ excluded: [(UInt64, UInt64)], from range: (UInt64, UInt64)) -> [(UInt64, UInt64)] {
        var pieces = [range]
        for (start, length) in excluded {
            let end = start &+ length
            pieces = pieces.flatMap { piece -> [(UInt64, UInt64)] in
                guard start < piece.1, end > piece.0 else { return [piece] }
                return [(piece.0, start), (end, piece.1)].filter { $0.0 < $0.1 }
            }
        }
        return pieces
    }

    /// The words at `addresses` (ascending within each register's window), nil where they
    /// cannot be read: one process_vm_readv for all, each run of adjacent words alone if it fails.
    public static func read(_ addresses: [UInt64], pid: Tid) -> [UInt64?] {
        var runs: [(remote: UInt64, index: Int, count: Int)] = []
        for (index, address) in addresses.enumerated() {
            if let last = runs.last, last.remote &+ UInt64(last.count * 8) == address, last.index + last.count == index {
                runs[runs.count - 1].count += 1
            } else {
                runs.append((address, index, 1))
            }
        }
        var words = [UInt64](repeating: 0, count: addresses.count)
        var readable = [Bool](repeating: true, count: addresses.count)
        words.withUnsafeMutableBufferPointer { buffer in
            func vectors(_ runs: ArraySlice<(remote: UInt64, index: Int, count: Int)>) -> ([iovec], [iovec]) {
                (runs.map { iovec(iov_base: UnsafeMutableRawPointer(buffer.baseAddress! + $0.index), iov_len: $0.count * 8) },
                 runs.map { iovec(iov_base: UnsafeMutableRawPointer(bitPattern: UInt($0.remote)), iov_len: $0.count * 8) })
            }
            guard !runs.isEmpty else { return }
            let all = vectors(runs[...])
            if runs.count <= mostPieces, rr_shim_process_vm_readv(pid.rawValue, all.0, UInt(runs.count), all.1, UInt(runs.count)).value == addresses.count * 8 { return }
            for run in runs.indices {
                let one = vectors(runs[run...run])
                if rr_shim_process_vm_readv(pid.rawValue, one.0, 1, one.1, 1).value != runs[run].count * 8 {
                    for word in runs[run].index..<runs[run].index + runs[run].count { readable[word] = false }
                }
            }
        }
        return zip(words, readable).map { $1 ? $0 : nil }
    }

    /// Whether `coverage` holds the 8 bytes at `address`.
    public static func covers(_ coverage: [(UInt64, UInt64)], _ address: UInt64) -> Bool { covering(address, in: coverage) != nil }

    private static func covering(_ address: UInt64, in coverage: [(UInt64, UInt64)]) -> (UInt64, UInt64)? {
        var low = 0, high = coverage.count
        while low < high {
            let middle = (low + high) / 2
            if coverage[middle].1 <= address { low = middle + 1 } else { high = middle }
        }
        guard low < coverage.count, coverage[low].0 <= address, address + 8 <= coverage[low].1 else { return nil }
        return coverage[low]
    }
}
