#!/usr/bin/env python3
"""Independent reader for rr-swift traces (see ../README.md). Standard library only, plus the
zstd command for zstd blocks (the default codec).

    decode_trace.py TRACE|-            decode a trace stream, verifying every checksum
    decode_trace.py --pipe FILE|-      decode raw pipe-protocol bytes (no stream container)
    decode_trace.py --partial TRACE    a truncated trace: decode its complete prefix, exit 0
    decode_trace.py --reencode OUT [--block-size N] TRACE
                                       also write the same messages as a new stream whose
                                       blocks are cut every N raw bytes (messages span blocks)

Prints the stream header, every block, every message and a one-line summary of every event and
syscall-buffer flush (with each buffered syscall), and checks the ordering rules of README
sections 3.3, 4.9 and 8.7 (which threads may have events and flushes where).
Exit status: 0 complete (or --partial), 1 corrupt or unsupported, 2 truncated.
"""
import argparse
import hashlib
import struct
import sys
import zlib

STREAM_MAGIC = b"RRSWIFT\0"
STREAM_VERSION = 2
COMPRESSION_ZLIB = 1
COMPRESSION_ZSTD = 2
STREAM_HEADER_SIZE = 20
BLOCK_MAGIC = 0x4B4C4252  # b"RBLK" read as a little-endian u32
BLOCK_HEADER_SIZE = 28
FLAG_FINAL = 1
MAX_BLOCK_SIZE = 256 << 20      # raw and stored size limit of one block
MAX_MESSAGE_SIZE = 1 << 30      # payload length limit of one message
MAX_STRING_COUNT = 1 << 20      # element limit of a string list

MESSAGE_KINDS = {1: "header", 2: "event", 3: "fileContent", 4: "syscallBufferFlush", 5: "end"}
EVENT_KINDS = {1: "exec", 2: "syscall", 3: "instructionTrap", 4: "signal", 5: "exit", 6: "syscallEntry", 7: "taskCreated",
               8: "patch", 9: "preemption"}
FLUSH_FLAGS = {1: "reset", 2: "blockedInNext", 4: "stoppedAfterNextSyscall"}
RECORDS_AREA_SIZE = 256 * 1024 - 64   # a thread's buffer: 64-byte header, then the records
RECORD_HEADER_SIZE = 16         # a buffered syscall's record: u32 size, i32 number, i64 result
RRCALLS = {1000: "rrcall_init_process", 1001: "rrcall_init_thread"}   # the preload library's calls
CLONE_VM, CLONE_THREAD = 0x100, 0x10000
REGISTER_NAMES = ("r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx rsi rdi orig_rax rip cs "
                  "eflags rsp ss fs_base gs_base ds es fs gs").split()
SIGNALS = dict(enumerate(("HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM "
                          "STKFLT CHLD CONT STOP TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH IO "
                          "PWR SYS").split(), start=1))

_SYSCALLS_0 = (
    "read write open close stat fstat lstat poll lseek mmap mprotect munmap brk rt_sigaction "
    "rt_sigprocmask rt_sigreturn ioctl pread64 pwrite64 readv writev access pipe select "
    "sched_yield mremap msync mincore madvise shmget shmat shmctl dup dup2 pause nanosleep "
    "getitimer alarm setitimer getpid sendfile socket connect accept sendto recvfrom sendmsg "
    "recvmsg shutdown bind listen getsockname getpeername socketpair setsockopt getsockopt clone "
    "fork vfork execve exit wait4 kill uname semget semop semctl shmdt msgget msgsnd msgrcv "
    "msgctl fcntl flock fsync fdatasync truncate ftruncate getdents getcwd chdir fchdir rename "
    "mkdir rmdir creat link unlink symlink readlink chmod fchmod chown fchown lchown umask "
    "gettimeofday getrlimit getrusage sysinfo times ptrace getuid syslog getgid setuid setgid "
    "geteuid getegid setpgid getppid getpgrp setsid setreuid setregid getgroups setgroups "
    "setresuid getresuid setresgid getresgid getpgid setfsuid setfsgid getsid capget capset "
    "rt_sigpending rt_sigtimedwait rt_sigqueueinfo rt_sigsuspend sigaltstack utime mknod uselib "
    "personality ustat statfs fstatfs sysfs getpriority setpriority sched_setparam sched_getparam "
    "sched_setscheduler sched_getscheduler sched_get_priority_max sched_get_priority_min "
    "sched_rr_get_interval mlock munlock mlockall munlockall vhangup modify_ldt pivot_root "
    "_sysctl prctl arch_prctl adjtimex setrlimit chroot sync acct settimeofday mount umount2 "
    "swapon swapoff reboot sethostname setdomainname iopl ioperm create_module init_module "
    "delete_module get_kernel_syms query_module quotactl nfsservctl getpmsg putpmsg afs_syscall "
    "tuxcall security gettid readahead setxattr lsetxattr fsetxattr getxattr lgetxattr fgetxattr "
    "listxattr llistxattr flistxattr removexattr lremovexattr fremovexattr tkill time futex "
    "sched_setaffinity sched_getaffinity set_thread_area io_setup io_destroy io_getevents "
    "io_submit io_cancel get_thread_area lookup_dcookie epoll_create epoll_ctl_old epoll_wait_old "
    "remap_file_pages getdents64 set_tid_address restart_syscall semtimedop fadvise64 "
    "timer_create timer_settime timer_gettime timer_getoverrun timer_delete clock_settime "
    "clock_gettime clock_getres clock_nanosleep exit_group epoll_wait epoll_ctl tgkill utimes "
    "vserver mbind set_mempolicy get_mempolicy mq_open mq_unlink mq_timedsend mq_timedreceive "
    "mq_notify mq_getsetattr kexec_load waitid add_key request_key keyctl ioprio_set ioprio_get "
    "inotify_init inotify_add_watch inotify_rm_watch migrate_pages openat mkdirat mknodat "
    "fchownat futimesat newfstatat unlinkat renameat linkat symlinkat readlinkat fchmodat "
    "faccessat pselect6 ppoll unshare set_robust_list get_robust_list splice tee sync_file_range "
    "vmsplice move_pages utimensat epoll_pwait signalfd timerfd_create eventfd fallocate "
    "timerfd_settime timerfd_gettime accept4 signalfd4 eventfd2 epoll_create1 dup3 pipe2 "
    "inotify_init1 preadv pwritev rt_tgsigqueueinfo perf_event_open recvmmsg fanotify_init "
    "fanotify_mark prlimit64 name_to_handle_at open_by_handle_at clock_adjtime syncfs sendmmsg "
    "setns getcpu process_vm_readv process_vm_writev kcmp finit_module sched_setattr "
    "sched_getattr renameat2 seccomp getrandom memfd_create kexec_file_load bpf execveat "
    "userfaultfd membarrier mlock2 copy_file_range preadv2 pwritev2 pkey_mprotect pkey_alloc "
    "pkey_free statx io_pgetevents rseq "
).split()
_SYSCALLS_424 = (
    "pidfd_send_signal io_uring_setup io_uring_enter io_uring_register open_tree move_mount "
    "fsopen fsconfig fsmount fspick pidfd_open clone3 close_range openat2 pidfd_getfd faccessat2 "
    "process_madvise epoll_pwait2 mount_setattr quotactl_fd landlock_create_ruleset "
    "landlock_add_rule landlock_restrict_self memfd_secret process_mrelease futex_waitv "
    "set_mempolicy_home_node "
).split()


def syscall_name(number):
    if number in RRCALLS:
        return RRCALLS[number]
    if 0 <= number < len(_SYSCALLS_0):
        return _SYSCALLS_0[number]
    if 424 <= number < 424 + len(_SYSCALLS_424):
        return _SYSCALLS_424[number - 424]
    return "syscall_%d" % number


# The data a buffered syscall's record holds (README section 8.5), by syscall number: a fixed size,
# a tuple of possible sizes, a function of the result, "poll" (8 bytes a pollfd, then 16), or
# "upto" (a fixed prefix, _UPTO_PREFIX, then min(result, size argument) bytes; when that is below
# the result only the padded length is known).
def _counted(result):
    return max(result, 0)


_RECORD_DATA = {
    0: _counted, 17: _counted, 19: _counted, 89: _counted, 217: _counted, 267: _counted, 318: _counted,  # read pread64 readv readlink getdents64 readlinkat getrandom
    4: 144, 5: 144, 6: 144, 262: 144, 332: 256,            # stat fstat lstat newfstatat: struct stat; statx: struct statx
    96: 16, 228: 16,                                       # gettimeofday, clock_gettime
    45: "upto", 47: "upto",                                # recvfrom, recvmsg: see _UPTO_PREFIX; MSG_TRUNC results exceed the buffer
    232: lambda r: 12 * _counted(r), 281: lambda r: 12 * _counted(r),  # epoll_wait, epoll_pwait: 12 bytes an event
    191: "upto", 192: "upto", 193: "upto", 194: "upto", 195: "upto", 196: "upto",  # [lf]getxattr, [lf]listxattr
    16: (4, 36, 0),                                        # ioctl: FIONREAD int, TCGETS the kernel's termios, FICLONE none
    14: (0, 8),                                            # rt_sigprocmask: the old mask, if asked for
    7: "poll", 271: "poll",                                # poll, ppoll: 8 bytes a pollfd, then 16 bytes
}
_UPTO_PREFIX = {
    45: 8 + 128,                  # recvfrom: address length, address; then the data
    47: 56 + 16 * 16 + 128 + 1024,  # recvmsg: msghdr, 16 iovecs, name, control; then the data
}
_RECORD_DATA.update({1: 8, 18: 8, 20: 8, 44: 8, 46: 8})  # write pwrite64 writev sendto sendmsg: output digest
_RECORD_NO_DATA = {2, 3, 8, 10, 21, 28, 39, 72, 102, 104, 107, 108, 110, 186, 201, 202, 257, 269, 439,
                   74, 75, 77, 82, 83, 87, 90, 91, 93, 188, 189, 190, 197, 198, 199, 221, 258, 260, 263, 264, 268, 280, 326}


def record_data_length(number, result, stored):
    """The unpadded data length of a record whose data area holds `stored` bytes (a multiple of 8),
    or None if the syscall is not one the preload library buffers or the size does not fit."""
    rule = 0 if number in _RECORD_NO_DATA else _RECORD_DATA.get(number)
    if rule is None:
        return None
    if rule == "poll":
        return stored if stored >= 16 and stored % 8 == 0 else None
    if rule == "upto":   # min(result, the size argument) bytes: the size is not in the record
        prefix = _UPTO_PREFIX.get(number, 0)
        full = prefix + _counted(result)
        if (full + 7) & ~7 == stored:
            return full
        return stored if prefix <= stored < full else None
    candidates = rule if isinstance(rule, tuple) else (rule(result) if callable(rule) else rule,)
    for length in candidates:
        if (length + 7) & ~7 == stored:
            return length
    return None


def signal_name(number):
    return "SIG" + SIGNALS[number] if number in SIGNALS else "SIG%d" % number


class Corrupt(Exception):
    """The input breaks the format (or is a version this reader does not know)."""


class Truncated(Exception):
    """The stream ends before its final block."""


def register_digest(words):
    """FNV-1a 64 over the 27 register words, each as its 8 bytes, least significant first."""
    h = 0xCBF29CE484222325
    for byte in struct.pack("<27Q", *words):
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


# ---------------------------------------------------------------- primitives

class Reader:
    def __init__(self, data, what):
        self.data, self.pos, self.what = data, 0, what

    def take(self, n):
        if n < 0 or n > len(self.data) - self.pos:
            raise Corrupt("%s ends early (wanted %d bytes at offset %d of %d)"
                          % (self.what, n, self.pos, len(self.data)))
        self.pos += n
        return self.data[self.pos - n:self.pos]

    def unpack(self, fmt):
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))[0]

    def u8(self): return self.unpack("B")
    def u32(self): return self.unpack("I")
    def i32(self): return self.unpack("i")
    def u64(self): return self.unpack("Q")
    def i64(self): return self.unpack("q")
    def blob(self): return self.take(self.u32())

    def string(self):
        try:
            return self.blob().decode("utf-8")
        except UnicodeDecodeError:
            raise Corrupt("%s holds a string that is not UTF-8" % self.what)

    def strings(self):
        count = self.u32()
        if count > MAX_STRING_COUNT:
            raise Corrupt("%s claims %d strings" % (self.what, count))
        return [self.string() for _ in range(count)]

    def blobs(self):
        count = self.u32()
        if count > MAX_STRING_COUNT:
            raise Corrupt("%s claims %d byte strings" % (self.what, count))
        return [self.blob().decode("utf-8", "backslashreplace") for _ in range(count)]

    def optional(self, decode):
        return None if self.u8() == 0 else decode(self)   # any non-zero flag means present

    def at_end(self):
        return self.pos == len(self.data)


def mapped_file(r):
    return {"path": r.string(), "hash": r.take(32).hex(), "size": r.u64()}


def registers(r):
    return [r.u64() for _ in REGISTER_NAMES]


# ---------------------------------------------------------------- messages and events

def decode_event(r):
    kind = r.u8()
    if kind not in EVENT_KINDS:
        raise Corrupt("unknown event kind %d" % kind)
    e = {"kind": EVENT_KINDS[kind], "tid": r.i32()}
    if kind == 1:    # exec
        e["executable"] = mapped_file(r)
        e["interpreter"] = r.optional(mapped_file)
        e["arguments"] = r.blobs()
        e["environment"] = r.blobs()
        e["registers"] = registers(r)
        e["stack"] = r.blob()
        e["ignored_signals"] = r.u64()   # SigIgn: bit N-1 = signal N
        e["blocked_signals"] = r.u64()   # SigBlk
        e["former_tid"] = r.i32()        # 0, or the execing thread's tid if it was not the main thread
        # optional at the end: the recorder's RDRAND/RDSEED patches (README section 4.2)
        e["writes"] = [] if r.at_end() else [(r.u64(), r.blob()) for _ in range(r.u32())]
    elif kind == 2:  # syscall
        e["number"] = r.i64()
        e["arguments"] = [r.u64() for _ in range(6)]
        e["result"] = r.i64()
        e["entry_digest"] = r.u64()
        e["echo"] = r.u8()
        if e["echo"] > 2:
            raise Corrupt("bad echo stream %d" % e["echo"])
        e["mapped_file"] = r.optional(mapped_file)
        e["writes"] = [(r.u64(), r.blob()) for _ in range(r.u32())]
        e["output_digest"] = r.optional(lambda r: r.u64())  # write-like calls (README section 4.3.1)
        e["stored_writes"] = [] if r.at_end() else stored_writes(r)  # optional at the end (section 4.3)
    elif kind == 3:  # instructionTrap
        e["trap"] = r.u8()
        if e["trap"] not in (1, 2, 3, 4):
            raise Corrupt("bad instruction trap kind %d" % e["trap"])
        e["rip"], e["rax"], e["rdx"], e["rcx"] = (r.u64() for _ in range(4))
    elif kind == 4:  # signal
        e["signal"] = r.i32()
        e["siginfo"] = r.take(128)
        byte = r.u8()
        e["position"] = byte & 0x7F
        if e["position"] == 3:
            e["user_position"] = user_position(r)
        elif e["position"] not in (0, 1):
            raise Corrupt("bad signal position %d" % e["position"])
        if byte & 0x80:  # the handler frame's err, trapno and cr2
            e["frame"] = (r.u64(), r.u64(), r.u64())
        if e["position"] == 3 and not r.at_end():  # optional at the end ("Asynchronous positions")
            e["user_position"]["pointed_memory_digests"] = (r.u64(), r.u64())
    elif kind == 9:  # preemption
        e["user_position"] = user_position(r)
        if not r.at_end():
            e["user_position"]["pointed_memory_digests"] = (r.u64(), r.u64())
    elif kind == 5:  # exit
        e["wait_status"] = r.i32()
        e["final_registers"] = r.optional(registers)
    elif kind == 8:  # patch
        e["number"] = r.i64()
        e["arguments"] = [r.u64() for _ in range(6)]
        e["entry_digest"] = r.u64()
        e["site"] = r.u64()
        e["writes"] = [(r.u64(), r.blob()) for _ in range(r.u32())]
    else:            # 6 syscallEntry, 7 taskCreated (tid = the parent)
        if kind == 7:
            e["child"] = r.i32()
        e["number"] = r.i64()
        e["arguments"] = [r.u64() for _ in range(6)]
        e["entry_digest"] = r.u64()
    return e


def stored_writes(r):
    """Each: address, then pieces (SHA-256 of a stored content, size) laid end to end from it."""
    return [(r.u64(), [(r.take(32).hex(), r.u32()) for _ in range(r.u32())]) for _ in range(r.u32())]


def user_position(r):
    """Registers, extended-state digest, memory digest, user time (ns), syscall buffers."""
    p = {"registers": registers(r), "extended_state_digest": r.u64(), "memory_digest": r.u64(), "user_time": r.u64()}
    p["syscall_buffers"] = [r.u64() for _ in range(r.u32())]
    return p


def decode_message(kind, payload):
    if kind not in MESSAGE_KINDS:
        raise Corrupt("unknown message type %d" % kind)
    r = Reader(payload, "message of type %s" % MESSAGE_KINDS[kind])
    if kind == 1:
        m = {"cpu": r.string(), "kernel": r.string(), "host": r.string(), "start": r.u64(),
             "command": r.strings(), "cwd": r.string()}
    elif kind == 2:
        m = decode_event(r)
    elif kind == 3:
        m = {"hash": r.take(32), "size": r.u64()}
        if m["size"] != len(payload) - 40:
            raise Corrupt("file content message claims %d bytes but holds %d" % (m["size"], len(payload) - 40))
        m["bytes"] = r.take(m["size"])
    elif kind == 4:
        m = {"tid": r.i32(), "offset": r.u32(), "flags": r.u8(), "records": r.blob()}
        if m["flags"] & ~0x7:
            raise Corrupt("syscall-buffer flush with unknown flags 0x%x" % m["flags"])
        m["calls"] = buffered_records(m["records"])
    else:
        m = {"events": r.u64(), "status": r.i32(), "error": r.string()}
    if not r.at_end():
        raise Corrupt("message of type %s has trailing bytes" % MESSAGE_KINDS[kind])
    return m


def buffered_records(records):
    """Splits a flush's record bytes into (number, result, data) records, checking their sizes."""
    calls, position = [], 0
    while position < len(records):
        if len(records) - position < RECORD_HEADER_SIZE:
            raise Corrupt("syscall-buffer flush ends inside a record header (at byte %d of %d)" % (position, len(records)))
        size, number, result = struct.unpack_from("<Iiq", records, position)
        if size < RECORD_HEADER_SIZE or size % 8 or size > len(records) - position:
            raise Corrupt("syscall-buffer record at byte %d has a bad size %d" % (position, size))
        data = records[position + RECORD_HEADER_SIZE:position + size]
        length = record_data_length(number, result, len(data))
        if length is None:
            raise Corrupt("syscall-buffer record at byte %d: %s = %d with %d bytes of data is not one the "
                          "preload library makes" % (position, syscall_name(number), result, len(data)))
        calls.append((number, result, data[:length]))
        position += size
    return calls


def flush_summary(m):
    flags = "|".join(name for bit, name in sorted(FLUSH_FLAGS.items()) if m["flags"] & bit) or "none"
    calls = "; ".join("%s = %d (%d bytes)" % (syscall_name(n), result, len(data)) for n, result, data in m["calls"])
    return ("tid %d: flush at offset %d, flags 0x%x (%s), %d record bytes, %d buffered syscalls%s"
            % (m["tid"], m["offset"], m["flags"], flags, len(m["records"]), len(m["calls"]), ": " + calls if calls else ""))


STUB_ENTER = bytes.fromhex("488da42400ffffff")   # lea -256(%rsp), %rsp
STUB_LEAVE = bytes.fromhex("488da42400010000")   # lea 256(%rsp), %rsp


def position_text(p):
    pointed = p.get("pointed_memory_digests")
    return "rip=0x%x memory=%016x%s xstate=%016x user_time=%dms" % (
        p["registers"][REGISTER_NAMES.index("rip")], p["memory_digest"],
        "" if pointed is None else " pointed=%016x/%016x" % pointed, p["extended_state_digest"], p["user_time"] // 1000000)


def patch_text(e):
    """The patch's writes; the stub and the site's jump are described if they have the usual shape."""
    text = "writes=" + ",".join("%d@0x%x" % (len(b), a) for a, b in e["writes"])
    if len(e["writes"]) == 2:
        (stub_at, stub), (site_at, site) = e["writes"]
        moved = len(site) - 2
        if (site_at == e["site"] and len(site) >= 5 and site[0] == 0xE9 and site[5:] == b"\x90" * (len(site) - 5)
                and (site_at + 5 + struct.unpack_from("<i", site, 1)[0]) & 0xFFFFFFFFFFFFFFFF == stub_at
                and len(stub) == 26 + moved and stub[:8] == STUB_ENTER and stub[8] == 0xE8 and stub[13:21] == STUB_LEAVE
                and stub[21 + moved] == 0xE9
                and (stub_at + len(stub) + struct.unpack_from("<i", stub, 22 + moved)[0]) & 0xFFFFFFFFFFFFFFFF == site_at + len(site)):
            trampoline = (stub_at + 13 + struct.unpack_from("<i", stub, 9)[0]) & 0xFFFFFFFFFFFFFFFF
            text += " (site: jmp 0x%x + %d nops; stub: call trampoline 0x%x, %d displaced bytes, jmp 0x%x)" % (
                stub_at, len(site) - 5, trampoline, moved, site_at + len(site))
        else:
            text += " (unusual stub shape)"
    return text


def shell_status(wait_status):
    signal = wait_status & 0x7F
    return (wait_status >> 8) & 0xFF if signal == 0 else 128 + signal


def file_text(f):
    return "%s (%d bytes, sha256 %s...)" % (f["path"], f["size"], f["hash"][:12])


def event_summary(e):
    k = e["kind"]
    if k == "exec":
        regs = dict(zip(REGISTER_NAMES, e["registers"]))
        interp = " interpreter " + file_text(e["interpreter"]) if e["interpreter"] else ""
        former = " (execed by tid %d)" % e["former_tid"] if e["former_tid"] else ""
        return ("exec %s%s argv=%r env=%d strings rip=0x%x rsp=0x%x stack=%d bytes sigign=0x%x sigblk=0x%x%s"
                % (file_text(e["executable"]), interp, e["arguments"], len(e["environment"]),
                   regs["rip"], regs["rsp"], len(e["stack"]), e["ignored_signals"], e["blocked_signals"], former))
    if k == "syscall":
        text = "%s(%s) = %d  entry-digest=%016x" % (syscall_name(e["number"]),
                                                    ", ".join("0x%x" % a for a in e["arguments"]),
                                                    e["result"], e["entry_digest"])
        if e["writes"]:
            text += "  writes=" + ",".join("%d@0x%x" % (len(b), a) for a, b in e["writes"])
        if e["stored_writes"]:
            text += "  stored=" + ",".join("%d@0x%x" % (sum(n for _, n in pieces), a) for a, pieces in e["stored_writes"])
        if e["mapped_file"]:
            text += "  maps " + file_text(e["mapped_file"])
        if e["echo"]:
            text += "  echo=" + ("stdout", "stderr")[e["echo"] - 1]
        if e["output_digest"] is not None:
            text += "  output-digest=%016x" % e["output_digest"]
        return "syscall " + text
    if k in ("syscallEntry", "taskCreated"):
        call = "%s(%s) entry-digest=%016x" % (syscall_name(e["number"]), ", ".join("0x%x" % a for a in e["arguments"]),
                                             e["entry_digest"])
        return ("entry of " + call) if k == "syscallEntry" else ("%s creating task %d" % (call, e["child"]))
    if k == "patch":
        return "patch of the %s site at 0x%x, entry-digest=%016x  %s" % (syscall_name(e["number"]), e["site"],
                                                                       e["entry_digest"], patch_text(e))
    if k == "preemption":
        return "preemption at %s" % position_text(e["user_position"])
    if k == "instructionTrap":
        return ("%s at 0x%x -> rax=0x%x rdx=0x%x rcx=0x%x"
                % (("rdtsc", "rdtscp", "rdrand", "rdseed")[e["trap"] - 1], e["rip"], e["rax"], e["rdx"], e["rcx"]))
    if k == "signal":
        code = struct.unpack_from("<i", e["siginfo"], 8)[0]
        where = {0: "atFault", 1: "afterPreviousEvent"}.get(e["position"])
        if where is None:
            where = "userSpace(%s)" % position_text(e["user_position"])
        return "signal %s si_code=%d position=%s" % (signal_name(e["signal"]), code, where)
    regs = e["final_registers"]
    final = ("final rip=0x%x digest=%016x" % (regs[REGISTER_NAMES.index("rip")], register_digest(regs))
             if regs else "no final registers")
    return "exit wait-status=0x%x (shell status %d) %s" % (e["wait_status"] & 0xFFFFFFFF,
                                                          shell_status(e["wait_status"]), final)


# ---------------------------------------------------------------- the trace stream

def read_exactly(f, n):
    data = b""
    while len(data) < n:
        chunk = f.read(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def read_stream_header(f):
    h = read_exactly(f, STREAM_HEADER_SIZE)
    if not h:
        raise Corrupt("the trace is empty")
    if len(h) < STREAM_HEADER_SIZE:
        raise Corrupt("trace is truncated inside its 20-byte stream header (%d bytes)" % len(h))
    if h[:8] != STREAM_MAGIC:
        raise Corrupt("not a trace: bad magic at byte 0")
    version, compression, crc = struct.unpack_from("<III", h, 8)
    if crc != zlib.crc32(h[:16]):
        raise Corrupt("stream header checksum mismatch at byte 16")
    if version != STREAM_VERSION:
        raise Corrupt("trace format version %d is not supported (this reader knows version %d)"
                      % (version, STREAM_VERSION))
    if compression not in (COMPRESSION_ZLIB, COMPRESSION_ZSTD):
        raise Corrupt("unknown compression %d in stream header" % compression)
    print("stream header: magic %r, version %d, compression %d (%s), crc32 %08x ok"
          % (STREAM_MAGIC, version, compression, "zlib" if compression == COMPRESSION_ZLIB else "zstd", crc))
    return compression


def unzstd(stored, seq):
    """One Zstandard frame, through the zstd command (Python 3.11 has no zstd in its stdlib)."""
    import subprocess
    result = subprocess.run(["zstd", "-d", "-q", "-c"], input=stored, capture_output=True)
    if result.returncode != 0:
        raise Corrupt("block %d does not decompress (zstd)" % seq)
    return result.stdout


def read_blocks(f, compression=1):
    """Yields each block's raw bytes in order, after verifying it; stops after the final block."""
    offset, sequence = STREAM_HEADER_SIZE, 0
    while True:
        header = read_exactly(f, BLOCK_HEADER_SIZE)
        if len(header) < BLOCK_HEADER_SIZE:
            where = "" if not header else " (inside a block header)"
            raise Truncated("trace is truncated at byte offset %d%s after %d complete blocks; "
                            "it has no final block" % (offset, where, sequence))
        magic, seq, flags, raw_size, stored_size, reserved, crc = struct.unpack("<7I", header)
        if magic != BLOCK_MAGIC:
            raise Corrupt("bad block magic at byte offset %d" % offset)
        if raw_size > MAX_BLOCK_SIZE or stored_size > MAX_BLOCK_SIZE:
            raise Corrupt("block at byte offset %d claims an impossible size" % offset)
        stored = read_exactly(f, stored_size)
        if len(stored) < stored_size:
            raise Truncated("trace is truncated at byte offset %d (inside block %d) after %d complete "
                            "blocks; it has no final block" % (offset, seq, sequence))
        if zlib.crc32(stored, zlib.crc32(header[:24])) != crc:
            raise Corrupt("block %d at byte offset %d fails its checksum" % (seq, offset))
        if seq != sequence:
            raise Corrupt("block %d at byte offset %d is out of order (expected %d)" % (seq, offset, sequence))
        if compression == COMPRESSION_ZSTD:
            raw = unzstd(stored, seq)
            if len(raw) != raw_size:
                raise Corrupt("block %d does not decompress to its recorded size %d" % (seq, raw_size))
        else:
            inflater = zlib.decompressobj()
            try:
                raw = inflater.decompress(stored)
            except zlib.error as error:
                raise Corrupt("block %d does not inflate: %s" % (seq, error))
            if not inflater.eof or inflater.unused_data or len(raw) != raw_size:
                raise Corrupt("block %d does not inflate to its recorded size %d" % (seq, raw_size))
        final = bool(flags & FLAG_FINAL)
        print("block %d at byte %d: flags 0x%x%s, raw %d, stored %d, reserved %d, crc32 %08x ok"
              % (seq, offset, flags, " (final)" if final else "", raw_size, stored_size, reserved, crc))
        yield raw
        offset += BLOCK_HEADER_SIZE + stored_size
        sequence += 1
        if final:
            if f.read(1):
                raise Corrupt("unexpected bytes after the final block, at byte offset %d" % offset)
            return


class MessageChecker:
    """Splits raw message bytes (fed in any pieces) into framed messages and checks the ordering rules."""

    def __init__(self):
        self.buffer, self.raw_offset, self.count = b"", 0, 0
        self.events, self.hashes, self.ended = 0, set(), False
        self.messages = []  # (kind, payload) kept for --reencode
        self.live = set()         # recorded tids started by an exec or taskCreated and not yet exited
        self.in_syscall = {}      # tid -> its syscallEntry or taskCreated event whose syscall is unfinished
        self.main_tid, self.main_status = None, None
        self.flushes, self.buffered = 0, 0
        self.buffers = {}         # tid -> [buffer address, offset its next flush must have] (README 8.7)
        self.signal_due = None    # tid whose stoppedAfterNextSyscall flush must be followed by its signal event

    def feed(self, data):
        self.buffer += data
        while len(self.buffer) >= 5:
            kind, length = struct.unpack_from("<BI", self.buffer)
            if length > MAX_MESSAGE_SIZE:
                raise Corrupt("message claims %d bytes" % length)
            if len(self.buffer) < 5 + length:
                return
            payload = self.buffer[5:5 + length]
            self.buffer = self.buffer[5 + length:]
            self.message(kind, payload)
            self.raw_offset += 5 + length

    def finish(self):
        if self.buffer:
            raise Corrupt("trace ends inside a message")

    def need_file(self, f):
        if f and bytes.fromhex(f["hash"]) not in self.hashes:
            raise Corrupt("event %d refers to file %s whose content was not sent before it"
                          % (self.events, f["hash"][:12]))

    def check_schedule(self, e):
        """The rules of README section 4.9: which tids may have events, and what may follow a
        syscallEntry or taskCreated event of the same thread."""
        k, tid, n = e["kind"], e["tid"], self.events
        if n == 0:
            if k != "exec":
                raise Corrupt("event 0 is a %s event; a trace starts with an exec" % k)
            self.live.add(tid)
            self.main_tid = tid
        elif k == "exec" and e["former_tid"]:
            if e["former_tid"] not in self.live or tid not in self.live:
                raise Corrupt("event %d: exec by tid %d taking over tid %d, but both must be live tasks"
                              % (n, e["former_tid"], tid))
            self.live.discard(e["former_tid"])
            self.in_syscall.pop(e["former_tid"], None)
            self.in_syscall.pop(tid, None)
        elif tid not in self.live:
            raise Corrupt("event %d (%s) is for tid %d, which no exec or taskCreated event started "
                          "or which has already exited" % (n, k, tid))
        if self.signal_due is not None and (k, tid) != ("signal", self.signal_due):
            raise Corrupt("event %d (%s of tid %d) follows a stoppedAfterNextSyscall flush of tid %d, "
                          "which must be followed by that thread's signal event" % (n, k, tid, self.signal_due))
        self.signal_due = None
        open_call = self.in_syscall.pop(tid, None)
        if open_call is not None:
            same_call = (e.get("number") == open_call["number"] and e.get("arguments") == open_call["arguments"]
                         and e.get("entry_digest") == open_call["entry_digest"])
            if open_call["kind"] == "syscallEntry":
                ok = k == "exit" or (k in ("syscall", "taskCreated") and same_call)
            else:  # taskCreated: the parent's syscall event, whose result is the child's tid
                ok = k == "exit" or (k == "syscall" and same_call and e["result"] == open_call["child"])
            if not ok:
                raise Corrupt("event %d (%s of tid %d) does not finish the %s %s of that tid's %s event"
                              % (n, k, tid, syscall_name(open_call["number"]),
                                 "entry" if open_call["kind"] == "syscallEntry" else "task creation", open_call["kind"]))
        if k in ("syscallEntry", "taskCreated"):
            self.in_syscall[tid] = e
        if k == "taskCreated":
            if e["child"] in self.live:
                raise Corrupt("event %d: tid %d creates task %d, which is already live" % (n, tid, e["child"]))
            self.live.add(e["child"])
            flags = {56: e["arguments"][0], 57: 0}.get(e["number"], CLONE_VM)   # vfork: CLONE_VM
            self.buffers.pop(e["child"], None)
            if not flags & (CLONE_VM | CLONE_THREAD) and tid in self.buffers:
                self.buffers[e["child"]] = list(self.buffers[tid])   # a forked child keeps a copy of the buffer
        elif k == "exec":
            self.buffers.pop(tid, None)
            self.buffers.pop(e["former_tid"], None)
        elif k == "syscall" and e["number"] == 1001:   # rrcall_init_thread(buffer, size, desched fd)
            self.buffers[tid] = [e["arguments"][0], 0]
        elif k == "exit":
            self.live.discard(tid)
            if tid == self.main_tid:
                self.main_status = shell_status(e["wait_status"])

    def check_flush(self, m):
        """README section 8.7: a flush is of a live thread with a buffer, continues where the
        thread's previous flush left off (or at 0 after a reset) and is sent before the event of
        the stop where it was taken."""
        tid = m["tid"]
        if self.events == 0 or tid not in self.live:
            raise Corrupt("flush for tid %d after event %d, which is not a live task" % (tid, self.events))
        if self.signal_due is not None:
            raise Corrupt("flush for tid %d between a stoppedAfterNextSyscall flush and its signal event" % tid)
        buffer = self.buffers.get(tid)
        if buffer is None:
            raise Corrupt("flush for tid %d, which has no syscall buffer (no rrcall_init_thread)" % tid)
        if m["offset"] != buffer[1]:
            raise Corrupt("flush for tid %d at offset %d; its buffer's unsent records start at %d"
                          % (tid, m["offset"], buffer[1]))
        if m["offset"] + len(m["records"]) > RECORDS_AREA_SIZE:
            raise Corrupt("flush for tid %d ends beyond the records area" % tid)
        buffer[1] = 0 if m["flags"] & 1 else m["offset"] + len(m["records"])
        if m["flags"] & 4:
            self.signal_due = tid
        self.flushes += 1
        self.buffered += len(m["calls"])

    def message(self, kind, payload):
        m = decode_message(kind, payload)
        self.messages.append((kind, payload))
        name = MESSAGE_KINDS[kind]
        where = "  message %d at raw byte %d, %s (payload %d bytes): " % (self.count, self.raw_offset, name, len(payload))
        if self.ended:
            raise Corrupt("a %s message follows the end message" % name)
        if (self.count == 0) != (kind == 1):
            raise Corrupt("the header message must come first, and only once")
        self.count += 1
        if kind == 1:
            print(where + "cpu %r, kernel %r, host %r, start %d, command %r, cwd %r"
                  % (m["cpu"], m["kernel"], m["host"], m["start"], m["command"], m["cwd"]))
        elif kind == 2:
            if m["kind"] == "exec":
                self.need_file(m["executable"])
                self.need_file(m["interpreter"])
            elif m["kind"] == "syscall":
                self.need_file(m["mapped_file"])
                for _, pieces in m["stored_writes"]:
                    for piece, _ in pieces:
                        self.need_file({"hash": piece})
            self.check_schedule(m)
            print(where + "event %d, tid %d: %s" % (self.events, m["tid"], event_summary(m)))
            self.events += 1
        elif kind == 3:
            if hashlib.sha256(m["bytes"]).digest() != m["hash"]:
                raise Corrupt("file content %s does not match its SHA-256" % m["hash"].hex()[:12])
            self.hashes.add(m["hash"])
            print(where + "sha256 %s, %d bytes (hash verified)" % (m["hash"].hex(), m["size"]))
        elif kind == 4:
            self.check_flush(m)
            print(where + flush_summary(m))
        else:
            if m["events"] != self.events:
                raise Corrupt("end message counts %d events, the trace holds %d" % (m["events"], self.events))
            if not m["error"] and self.main_status is not None and m["status"] != self.main_status:
                raise Corrupt("end message says exit status %d, the exit event of the first task (tid %d) says %d"
                              % (m["status"], self.main_tid, self.main_status))
            if not m["error"] and self.live:
                print("note: no exit event for tid(s) %s" % ", ".join(map(str, sorted(self.live))))
            self.ended = True
            print(where + "%d events, exit status %d, error %r" % (m["events"], m["status"], m["error"]))


def reencode(messages, path, block_size):
    """Writes `messages` as a stream whose blocks hold `block_size` raw bytes each (the last may hold
    fewer): a writer the Swift reader must accept although its blocks cut messages apart."""
    raw = b"".join(struct.pack("<BI", kind, len(payload)) + payload for kind, payload in messages)
    out = bytearray(STREAM_MAGIC + struct.pack("<II", STREAM_VERSION, COMPRESSION_ZLIB))
    out += struct.pack("<I", zlib.crc32(out))
    pieces = [raw[i:i + block_size] for i in range(0, len(raw), block_size)] or [b""]
    for sequence, piece in enumerate(pieces):
        stored = zlib.compress(piece, 9)
        flags = FLAG_FINAL if sequence == len(pieces) - 1 else 0
        prefix = struct.pack("<6I", BLOCK_MAGIC, sequence, flags, len(piece), len(stored), 0)
        out += prefix + struct.pack("<I", zlib.crc32(stored, zlib.crc32(prefix))) + stored
    with open(path, "wb") as f:
        f.write(out)
    print("re-encoded %d messages into %d blocks of up to %d raw bytes: %s" % (len(messages), len(pieces), block_size, path))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("trace", help="trace stream (or raw pipe bytes with --pipe); - for stdin")
    parser.add_argument("--pipe", action="store_true", help="input is raw framed messages, as on the pipe")
    parser.add_argument("--partial", action="store_true", help="accept a truncated trace's complete prefix")
    parser.add_argument("--reencode", metavar="OUT", help="write the messages as a new stream to OUT")
    parser.add_argument("--block-size", type=int, default=4096, help="raw bytes per block for --reencode")
    args = parser.parse_args()
    f = sys.stdin.buffer if args.trace == "-" else open(args.trace, "rb")
    checker = MessageChecker()
    try:
        if args.pipe:
            checker.feed(f.read())
        else:
            compression = read_stream_header(f)
            for raw in read_blocks(f, compression):
                checker.feed(raw)
        checker.finish()
        if not checker.ended:
            print("note: the messages end without an end message")
    except Truncated as error:
        print("truncated: %s" % error)
        if checker.buffer:
            print("(the complete blocks end inside a message: %d bytes of it are held)" % len(checker.buffer))
        if not args.partial:
            return 2
        print("--partial: decoded the complete prefix: %d messages, %d events" % (checker.count, checker.events))
        return 0
    except Corrupt as error:
        print("corrupt or unsupported trace: %s" % error)
        return 1
    print("complete: %d messages, %d events" % (checker.count, checker.events)
          + (", %d syscall-buffer flushes holding %d buffered syscalls (%d events and flushes: the numbering of "
             "divergence reports and rr-launch dump)" % (checker.flushes, checker.buffered, checker.events + checker.flushes)
             if checker.flushes else ""))
    if args.reencode:
        reencode(checker.messages, args.reencode, args.block_size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
