import CRRShims
import RRCore

#if canImport(Glibc)
import Glibc
#endif

/// A digest of the memory the registers point at, two levels deep: for each general-purpose
/// register a window of words around its value, and for each word there a few words where it
/// points. It is a function of memory the full digest covers (`MemoryDigest`), read the same way
/// (words outside count as zero), so two states equal in registers and memory have equal pointed
/// digests; but it costs two reads instead of the whole address space. Replay compares it before
/// the full digest: an interpreter's loop (python3's) visits one instruction with all sixteen
/// registers equal many times, its state in the heap objects they point to, and a full digest at
/// each such visit cost ~4 ms.
public enum PointedMemory {
    /// The window around a register's value: 8 words before it (a stack pointer's values lie
    /// below), 16 from it (an object's fields).
    static let wordsBefore = 8, wordsFrom = 16
    /// What is read where a word of a window points: an object's header and first fields.
    static let wordsPointedAt = 6
    /// The most pieces one process_vm_readv takes (UIO_MAXIOV).
    static let mostPieces = 1024

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

    /// The digest for a thread of process `pid` with `registers`, memory covered as `coverage` says.
    public static func digest(pid: Tid, registers: Registers, coverage: [(UInt64, UInt64)]) -> UInt64 {
        let windows = (0..<16).map { number -> (UInt64, Int) in
            ((registers[encoded: number] & ~7) &- UInt64(wordsBefore * 8), wordsBefore + wordsFrom)
        }
        let near = read(windows, pid: pid, coverage: coverage)
        let pointed = near.filter { $0 != 0 }.map { ($0 & ~7, wordsPointedAt) }
        var hash: UInt64 = 0x243f_6a88_85a3_08d3
        for word in near + read(pointed, pid: pid, coverage: coverage) {
            hash = (hash ^ word) &* 0xff51_afd7_ed55_8ccd
            hash ^= hash >> 32
        }
        return hash
    }

    /// The words of each (address, count) window, zero where `coverage` does not reach or the
    /// memory cannot be read (a file mapping past the file's end).
    static func read(_ windows: [(UInt64, Int)], pid: Tid, coverage: [(UInt64, UInt64)]) -> [UInt64] {
        var words = [UInt64](repeating: 0, count: windows.reduce(0) { $0 + $1.1 })
        var runs: [(remote: UInt64, index: Int, count: Int)] = []  // covered pieces of the windows
        var index = 0
        for (start, count) in windows {
            var word = 0
            while word < count {
                let address = start &+ UInt64(word * 8)
                guard address <= UInt64.max - 8, let range = covering(address, in: coverage) else { word += 1; continue }
                let inRange = min(count - word, Int((range.1 - address) / 8))
                runs.append((address, index + word, inRange))
                word += inRange
            }
            index += count
        }
        guard !runs.isEmpty else { return words }
        words.withUnsafeMutableBufferPointer { buffer in
            func vectors(_ runs: ArraySlice<(remote: UInt64, index: Int, count: Int)>) -> ([iovec], [iovec]) {
                (runs.map { iovec(iov_base: UnsafeMutableRawPointer(buffer.baseAddress! + $0.index), iov_len: $0.count * 8) },
                 runs.map { iovec(iov_base: UnsafeMutableRawPointer(bitPattern: UInt($0.remote)), iov_len: $0.count * 8) })
            }
            // One call for all; where it stops short (a piece it cannot read), each piece alone.
            let all = vectors(runs[...])
            let wanted = runs.reduce(0) { $0 + $1.count * 8 }
            if runs.count <= mostPieces, rr_shim_process_vm_readv(pid.rawValue, all.0, UInt(runs.count), all.1, UInt(runs.count)).value == wanted { return }
            for run in runs.indices {
                let one = vectors(runs[run...run])
                if rr_shim_process_vm_readv(pid.rawValue, one.0, 1, one.1, 1).value != runs[run].count * 8 {
                    for word in runs[run].index..<runs[run].index + runs[run].count { buffer[word] = 0 }
                }
            }
        }
        return words
    }

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
