import Foundation
import Testing

/// Who may touch a replay: replay executes the files a trace carries from its caches, so a cache
/// that someone else could have prepared is bypassed or refused, a file found in a cache is used
/// only when its content is the trace's, and traces and caches are the user's alone.
@Suite struct ReplayCacheTests {
    static let program = "/usr/bin/true"
    static let interpreter = "/lib64/ld-linux-x86-64.so.2"
    static let planted = "\(Harness.programs)/planted_marker"

    /// A recording of `program`, with the marker's path in its environment, and a fresh home for
    /// the replay's caches; the interpreter directory is short, as PT_INTERP needs.
    struct Setup {
        let scratch: TemporaryDirectory
        let trace: URL
        let marker: URL
        let cacheHome: URL
        let interpreterDirectory: String

        init() throws {
            scratch = try TemporaryDirectory()
            trace = scratch.url.appendingPathComponent("true.rrt")
            marker = scratch.url.appendingPathComponent("planted-program-ran")
            cacheHome = scratch.url.appendingPathComponent("cache")
            var template = Array("/tmp/.rrtXXXXXX".utf8CString)
            interpreterDirectory = String(cString: mkdtemp(&template)!)
            let recorded = try Harness.run([Harness.launcher, "record", "-o", trace.path, "--", "env", "RR_PLANTED_MARKER=\(marker.path)", ReplayCacheTests.program])
            #expect(recorded.status == 0, "\(recorded.stderrText)")
        }

        var replayCache: URL { cacheHome.appendingPathComponent("rr-swift/replay") }

        func replay() throws -> Harness.Result {
            try Harness.run([Harness.launcher, "replay", "-a", trace.path],
                            environment: ["XDG_CACHE_HOME": cacheHome.path, "RR_SWIFT_INTERPRETER_CACHE": interpreterDirectory])
        }

        /// Puts the marker program where replay would look for `hash`'s copy under the old
        /// naming and the new one.
        func plant(at paths: [String]) throws {
            for path in paths {
                try? FileManager.default.removeItem(atPath: path)
                try Harness.copyExecutable(from: ReplayCacheTests.planted, to: path)
                chmod(path, 0o755)
            }
        }

        func remove() {
            chmod(interpreterDirectory, 0o700)
            try? FileManager.default.removeItem(atPath: interpreterDirectory)
        }
    }

    static func sha256(_ path: String) throws -> String {
        let result = try Harness.run(["sha256sum", path])
        return String(result.stdoutText.prefix(64))
    }

    /// The replay of `env ... true` ends as the recording did: status 0, nothing on stdout.
    static func expectCleanReplay(_ replayed: Harness.Result, _ setup: Setup, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(replayed.status == 0, "replay failed: \(replayed.stderrText)", sourceLocation: sourceLocation)
        #expect(!FileManager.default.fileExists(atPath: setup.marker.path), "the planted program ran", sourceLocation: sourceLocation)
    }

    @Test func interpreterDirectoryOthersCanWriteIsBypassed() throws {
        let setup = try Setup()
        defer { setup.remove() }
        let ld = try Self.sha256(Self.interpreter)
        try setup.plant(at: ["\(setup.interpreterDirectory)/\(ld.prefix(8))", "\(setup.interpreterDirectory)/\(ld.prefix(12))"])
        chmod(setup.interpreterDirectory, 0o777)
        let replayed = try setup.replay()
        Self.expectCleanReplay(replayed, setup)
        #expect(replayed.stderrText.contains("warning: not using \(setup.interpreterDirectory)"), "\(replayed.stderrText)")
        #expect(try Self.sha256("\(setup.interpreterDirectory)/\(ld.prefix(8))") == Self.sha256(Self.planted), "replay wrote into a directory it does not trust")
    }

    @Test func interpreterDirectoryOfAnotherUserIsBypassed() throws {
        guard geteuid() == 0 else { return }  // only root can give a directory away; the mode test covers users
        let setup = try Setup()
        defer { setup.remove() }
        let ld = try Self.sha256(Self.interpreter)
        try setup.plant(at: ["\(setup.interpreterDirectory)/\(ld.prefix(8))"])
        chown(setup.interpreterDirectory, 65534, 65534)
        let replayed = try setup.replay()
        Self.expectCleanReplay(replayed, setup)
        #expect(replayed.stderrText.contains("belongs to uid 65534"), "\(replayed.stderrText)")
    }

    /// Files of the user's own private caches are still checked: a file there that is not the
    /// trace's content (planted, or damaged) is replaced, never executed.
    @Test func plantedFilesInPrivateCachesAreReplaced() throws {
        let setup = try Setup()
        defer { setup.remove() }
        let exe = try Self.sha256(Self.program), ld = try Self.sha256(Self.interpreter)
        // A first replay creates the caches; then every file they hold becomes the planted program.
        Self.expectCleanReplay(try setup.replay(), setup)
        let cached = try FileManager.default.contentsOfDirectory(atPath: setup.replayCache.path).map { "\(setup.replayCache.path)/\($0)" }
            + FileManager.default.contentsOfDirectory(atPath: setup.interpreterDirectory).map { "\(setup.interpreterDirectory)/\($0)" }
        #expect(cached.contains { $0.hasSuffix("/\(exe)-\(ld.prefix(16))") }, "the executable's copy is not named by its full hash: \(cached)")
        try setup.plant(at: cached)
        Self.expectCleanReplay(try setup.replay(), setup)
        #expect(try Self.sha256("\(setup.interpreterDirectory)/\(ld.prefix(8))") == ld)
    }

    @Test func replayCacheOthersCanWriteIsRefused() throws {
        let setup = try Setup()
        defer { setup.remove() }
        try FileManager.default.createDirectory(at: setup.replayCache, withIntermediateDirectories: true)
        chmod(setup.replayCache.path, 0o777)
        let exe = try Self.sha256(Self.program), ld = try Self.sha256(Self.interpreter)
        try setup.plant(at: ["\(setup.replayCache.path)/\(exe)-\(ld.prefix(16))", "\(setup.replayCache.path)/\(exe.prefix(12))"])
        let replayed = try setup.replay()
        #expect(replayed.status != 0)
        #expect(replayed.stderrText.contains("is not a private directory"), "\(replayed.stderrText)")
        #expect(!replayed.stderrText.contains("Fatal error"), "\(replayed.stderrText)")
        #expect(!FileManager.default.fileExists(atPath: setup.marker.path), "the planted program ran")
    }

    /// Space on disk of a cache directory's entries (its lock and counter files aside).
    static func cacheUsage(_ directory: URL) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.reduce(0) { total, name in
            var info = stat()
            return lstat(directory.appendingPathComponent(name).path, &info) == 0 ? total + Int(info.st_blocks) * 512 : total
        }
    }

    /// RR_SWIFT_CACHE_LIMIT bounds each cache directory: after recording and replaying programs
    /// whose files fill more than the limit (as they do without it), each cache holds at most the
    /// limit, and a trace whose files were trimmed away replays again from what it carries.
    @Test func cachesKeepWithinTheirLimit() throws {
        let scratch = try TemporaryDirectory()
        let limit = 1 << 20
        let commands = [["/usr/bin/python3", "-c", "pass"], ["ls", "/"]]
        var traces: [URL] = []
        for (home, environment) in [("default", [:]), ("limited", ["RR_SWIFT_CACHE_LIMIT": "1M"])] {
            let cacheHome = scratch.url.appendingPathComponent(home)
            var environment = environment
            environment["XDG_CACHE_HOME"] = cacheHome.path
            let caches = ["blocks", "replay"].map { cacheHome.appendingPathComponent("rr-swift/\($0)") }
            for (index, command) in commands.enumerated() {
                let trace = scratch.url.appendingPathComponent("\(home)-\(index).rrt")
                let recorded = try Harness.run([Harness.launcher, "record", "-o", trace.path, "--"] + command, environment: environment)
                #expect(recorded.status == 0, "\(recorded.stderrText)")
                let replayed = try Harness.run([Harness.launcher, "replay", "-a", trace.path], environment: environment)
                #expect(replayed.status == 0 && replayed.stdout == recorded.stdout, "\(replayed.stderrText)")
                if home == "limited" {
                    for cache in caches { #expect(Self.cacheUsage(cache) <= limit, "\(cache.lastPathComponent) holds \(Self.cacheUsage(cache)) bytes") }
                    traces.append(trace)
                }
            }
            if home == "default" {
                for cache in caches { #expect(Self.cacheUsage(cache) > limit, "the programs' files fit in the limit: \(cache.path)") }
            }
        }
        let again = try Harness.run([Harness.launcher, "replay", "-a", traces[0].path],
                                    environment: ["XDG_CACHE_HOME": scratch.url.appendingPathComponent("limited").path, "RR_SWIFT_CACHE_LIMIT": "1M"])
        #expect(again.status == 0, "\(again.stderrText)")
    }

    /// Traces hold all the program read: the trace, its directory and the block cache are the user's alone.
    @Test func tracesAndCachesArePrivate() throws {
        let scratch = try TemporaryDirectory()
        let traces = scratch.url.appendingPathComponent("traces/nested"), cacheHome = scratch.url.appendingPathComponent("cache")
        let recorded = try Harness.run([Harness.launcher, "record", "--", Self.program],
                                       environment: ["RR_SWIFT_TRACE_DIR": traces.path, "XDG_CACHE_HOME": cacheHome.path])
        #expect(recorded.status == 0, "\(recorded.stderrText)")
        func mode(_ path: String) -> UInt16 {
            var info = stat()
            return lstat(path, &info) == 0 ? UInt16(info.st_mode & 0o777) : 0xffff
        }
        #expect(mode(traces.path) == 0o700)
        #expect(mode(traces.appendingPathComponent("true-0.rrt").path) == 0o600)
        #expect(mode(cacheHome.appendingPathComponent("rr-swift/blocks").path) == 0o700)
        let blocks = (try? FileManager.default.contentsOfDirectory(atPath: cacheHome.appendingPathComponent("rr-swift/blocks").path)) ?? []
        #expect(!blocks.isEmpty)
        for block in blocks { #expect(mode(cacheHome.appendingPathComponent("rr-swift/blocks/\(block)").path) == 0o600) }
    }
}
