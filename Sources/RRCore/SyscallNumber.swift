// The x86-64 system call numbers and names, from the kernel uapi header asm/unistd_64.h.
// Names are used only for messages and dumps; the model lives in SyscallModel.swift.

/// A Linux x86-64 system call number.
public struct SyscallNumber: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int64
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
    /// The kernel name ("openat"), or "syscall_N" for numbers the header does not name.
    public var name: String { SyscallNumber.names[rawValue] ?? "syscall_\(rawValue)" }
    public var description: String { name }
    /// Whether the x86-64 kernel has a syscall of this number (the header names it); the
    /// preload library's own numbers (1000 and up) are not the kernel's.
    public var isKnownToKernel: Bool { rawValue >= 0 && rawValue < 1000 && SyscallNumber.names[rawValue] != nil }
    public init?(name: String) {
        guard let entry = SyscallNumber.names.first(where: { $0.value == name }) else { return nil }
        self.rawValue = entry.key
    }
    static let names: [Int64: String] = [
        1000: "rrcall_init_process", 1001: "rrcall_init_thread",  // the preload library's calls to the supervisor
        0: "read",
        1: "write",
        2: "open",
        3: "close",
        4: "stat",
        5: "fstat",
        6: "lstat",
        7: "poll",
        8: "lseek",
        9: "mmap",
        10: "mprotect",
        11: "munmap",
        12: "brk",
        13: "rt_sigaction",
        14: "rt_sigprocmask",
        15: "rt_sigreturn",
        16: "ioctl",
        17: "pread64",
        18: "pwrite64",
        19: "readv",
        20: "writev",
        21: "access",
        22: "pipe",
        23: "select",
        24: "sched_yield",
        25: "mremap",
        26: "msync",
        27: "mincore",
        28: "madvise",
        29: "shmget",
        30: "shmat",
        31: "shmctl",
        32: "dup",
        33: "dup2",
        34: "pause",
        35: "nanosleep",
        36: "getitimer",
        37: "alarm",
        38: "setitimer",
        39: "getpid",
        40: "sendfile",
        41: "socket",
        42: "connect",
        43: "accept",
        44: "sendto",
        45: "recvfrom",
        46: "sendmsg",
        47: "recvmsg",
        48: "shutdown",
        49: "bind",
        50: "listen",
        51: "getsockname",
        52: "getpeername",
        53: "socketpair",
        54: "setsockopt",
        55: "getsockopt",
        56: "clone",
        57: "fork",
        58: "vfork",
        59: "execve",
        60: "exit",
        61: "wait4",
        62: "kill",
        63: "uname",
        64: "semget",
        65: "semop",
        66: "semctl",
        67: "shmdt",
        68: "msgget",
        69: "msgsnd",
        70: "msgrcv",
        71: "msgctl",
        72: "fcntl",
        73: "flock",
        74: "fsync",
        75: "fdatasync",
        76: "truncate",
        77: "ftruncate",
        78: "getdents",
        79: "getcwd",
        80: "chdir",
        81: "fchdir",
        82: "rename",
        83: "mkdir",
        84: "rmdir",
        85: "creat",
        86: "link",
        87: "unlink",
        88: "symlink",
        89: "readlink",
        90: "chmod",
        91: "fchmod",
        92: "chown",
        93: "fchown",
        94: "lchown",
        95: "umask",
        96: "gettimeofday",
        97: "getrlimit",
        98: "getrusage",
        99: "sysinfo",
        100: "times",
        101: "ptrace",
        102: "getuid",
        103: "syslog",
        104: "getgid",
        105: "setuid",
        106: "setgid",
        107: "geteuid",
        108: "getegid",
        109: "setpgid",
        110: "getppid",
        111: "getpgrp",
        112: "setsid",
        113: "setreuid",
        114: "setregid",
        115: "getgroups",
        116: "setgroups",
        117: "setresuid",
        118: "getresuid",
        119: "setresgid",
        120: "getresgid",
        121: "getpgid",
        122: "setfsuid",
        123: "setfsgid",
        124: "getsid",
        125: "capget",
        126: "capset",
        127: "rt_sigpending",
        128: "rt_sigtimedwait",
        129: "rt_sigqueueinfo",
        130: "rt_sigsuspend",
        131: "sigaltstack",
        132: "utime",
        133: "mknod",
        134: "uselib",
        135: "personality",
        136: "ustat",
        137: "statfs",
        138: "fstatfs",
        139: "sysfs",
        140: "getpriority",
        141: "setpriority",
        142: "sched_setparam",
        143: "sched_getparam",
        144: "sched_setscheduler",
        145: "sched_getscheduler",
        146: "sched_get_priority_max",
        147: "sched_get_priority_min",
        148: "sched_rr_get_interval",
        149: "mlock",
        150: "munlock",
        151: "mlockall",
        152: "munlockall",
        153: "vhangup",
        154: "modify_ldt",
        155: "pivot_root",
        156: "_sysctl",
        157: "prctl",
        158: "arch_prctl",
        159: "adjtimex",
        160: "setrlimit",
        161: "chroot",
        162: "sync",
        163: "acct",
        164: "settimeofday",
        165: "mount",
        166: "umount2",
        167: "swapon",
        168: "swapoff",
        169: "reboot",
        170: "sethostname",
        171: "setdomainname",
        172: "iopl",
        173: "ioperm",
        174: "create_module",
        175: "init_module",
        176: "delete_module",
        177: "get_kernel_syms",
        178: "query_module",
        179: "quotactl",
        180: "nfsservctl",
        181: "getpmsg",
        182: "putpmsg",
        183: "afs_syscall",
        184: "tuxcall",
        185: "security",
        186: "gettid",
        187: "readahead",
        188: "setxattr",
        189: "lsetxattr",
        190: "fsetxattr",
        191: "getxattr",
        192: "lgetxattr",
        193: "fgetxattr",
        194: "listxattr",
        195: "llistxattr",
        196: "flistxattr",
        197: "removexattr",
        198: "lremovexattr",
        199: "fremovexattr",
        200: "tkill",
        201: "time",
        202: "futex",
        203: "sched_setaffinity",
        204: "sched_getaffinity",
        205: "set_thread_area",
        206: "io_setup",
        207: "io_destroy",
        208: "io_getevents",
        209: "io_submit",
        210: "io_cancel",
        211: "get_thread_area",
        212: "lookup_dcookie",
        213: "epoll_create",
        214: "epoll_ctl_old",
        215: "epoll_wait_old",
        216: "remap_file_pages",
        217: "getdents64",
        218: "set_tid_address",
        219: "restart_syscall",
        220: "semtimedop",
        221: "fadvise64",
        222: "timer_create",
        223: "timer_settime",
        224: "timer_gettime",
        225: "timer_getoverrun",
        226: "timer_delete",
        227: "clock_settime",
        228: "clock_gettime",
        229: "clock_getres",
        230: "clock_nanosleep",
        231: "exit_group",
        232: "epoll_wait",
        233: "epoll_ctl",
        234: "tgkill",
        235: "utimes",
        236: "vserver",
        237: "mbind",
        238: "set_mempolicy",
        239: "get_mempolicy",
        240: "mq_open",
        241: "mq_unlink",
        242: "mq_timedsend",
        243: "mq_timedreceive",
        244: "mq_notify",
        245: "mq_getsetattr",
        246: "kexec_load",
        247: "waitid",
        248: "add_key",
        249: "request_key",
        250: "keyctl",
        251: "ioprio_set",
        252: "ioprio_get",
        253: "inotify_init",
        254: "inotify_add_watch",
        255: "inotify_rm_watch",
        256: "migrate_pages",
        257: "openat",
        258: "mkdirat",
        259: "mknodat",
        260: "fchownat",
        261: "futimesat",
        262: "newfstatat",
        263: "unlinkat",
        264: "renameat",
        265: "linkat",
        266: "symlinkat",
        267: "readlinkat",
        268: "fchmodat",
        269: "faccessat",
        270: "pselect6",
        271: "ppoll",
        272: "unshare",
        273: "set_robust_list",
        274: "get_robust_list",
        275: "splice",
        276: "tee",
        277: "sync_file_range",
        278: "vmsplice",
        279: "move_pages",
        280: "utimensat",
        281: "epoll_pwait",
        282: "signalfd",
        283: "timerfd_create",
        284: "eventfd",
        285: "fallocate",
        286: "timerfd_settime",
        287: "timerfd_gettime",
        288: "accept4",
        289: "signalfd4",
        290: "eventfd2",
        291: "epoll_create1",
        292: "dup3",
        293: "pipe2",
        294: "inotify_init1",
        295: "preadv",
        296: "pwritev",
        297: "rt_tgsigqueueinfo",
        298: "perf_event_open",
        299: "recvmmsg",
        300: "fanotify_init",
        301: "fanotify_mark",
        302: "prlimit64",
        303: "name_to_handle_at",
        304: "open_by_handle_at",
        305: "clock_adjtime",
        306: "syncfs",
        307: "sendmmsg",
        308: "setns",
        309: "getcpu",
        310: "process_vm_readv",
        311: "process_vm_writev",
        312: "kcmp",
        313: "finit_module",
        314: "sched_setattr",
        315: "sched_getattr",
        316: "renameat2",
        317: "seccomp",
        318: "getrandom",
        319: "memfd_create",
        320: "kexec_file_load",
        321: "bpf",
        322: "execveat",
        323: "userfaultfd",
        324: "membarrier",
        325: "mlock2",
        326: "copy_file_range",
        327: "preadv2",
        328: "pwritev2",
        329: "pkey_mprotect",
        330: "pkey_alloc",
        331: "pkey_free",
        332: "statx",
        333: "io_pgetevents",
        334: "rseq",
        424: "pidfd_send_signal",
        425: "io_uring_setup",
        426: "io_uring_enter",
        427: "io_uring_register",
        428: "open_tree",
        429: "move_mount",
        430: "fsopen",
        431: "fsconfig",
        432: "fsmount",
        433: "fspick",
        434: "pidfd_open",
        435: "clone3",
        436: "close_range",
        437: "openat2",
        438: "pidfd_getfd",
        439: "faccessat2",
        440: "process_madvise",
        441: "epoll_pwait2",
        442: "mount_setattr",
        443: "quotactl_fd",
        444: "landlock_create_ruleset",
        445: "landlock_add_rule",
        446: "landlock_restrict_self",
        447: "memfd_secret",
        448: "process_mrelease",
        449: "futex_waitv",
        450: "set_mempolicy_home_node",
    ]
}

extension SyscallNumber {
    public static let read = SyscallNumber(0)
    public static let write = SyscallNumber(1)
    public static let open = SyscallNumber(2)
    public static let close = SyscallNumber(3)
    public static let stat = SyscallNumber(4)
    public static let fstat = SyscallNumber(5)
    public static let lstat = SyscallNumber(6)
    public static let poll = SyscallNumber(7)
    public static let lseek = SyscallNumber(8)
    public static let mmap = SyscallNumber(9)
    public static let mprotect = SyscallNumber(10)
    public static let munmap = SyscallNumber(11)
    public static let brk = SyscallNumber(12)
    public static let rt_sigaction = SyscallNumber(13)
    public static let rt_sigprocmask = SyscallNumber(14)
    public static let rt_sigreturn = SyscallNumber(15)
    public static let ioctl = SyscallNumber(16)
    public static let pread64 = SyscallNumber(17)
    public static let pwrite64 = SyscallNumber(18)
    public static let readv = SyscallNumber(19)
    public static let writev = SyscallNumber(20)
    public static let access = SyscallNumber(21)
    public static let pipe = SyscallNumber(22)
    public static let select = SyscallNumber(23)
    public static let sched_yield = SyscallNumber(24)
    public static let mremap = SyscallNumber(25)
    public static let msync = SyscallNumber(26)
    public static let mincore = SyscallNumber(27)
    public static let madvise = SyscallNumber(28)
    public static let shmget = SyscallNumber(29)
    public static let shmat = SyscallNumber(30)
    public static let shmctl = SyscallNumber(31)
    public static let dup = SyscallNumber(32)
    public static let dup2 = SyscallNumber(33)
    public static let pause = SyscallNumber(34)
    public static let nanosleep = SyscallNumber(35)
    public static let getitimer = SyscallNumber(36)
    public static let alarm = SyscallNumber(37)
    public static let setitimer = SyscallNumber(38)
    public static let getpid = SyscallNumber(39)
    public static let sendfile = SyscallNumber(40)
    public static let socket = SyscallNumber(41)
    public static let connect = SyscallNumber(42)
    public static let accept = SyscallNumber(43)
    public static let sendto = SyscallNumber(44)
    public static let recvfrom = SyscallNumber(45)
    public static let sendmsg = SyscallNumber(46)
    public static let recvmsg = SyscallNumber(47)
    public static let shutdown = SyscallNumber(48)
    public static let bind = SyscallNumber(49)
    public static let listen = SyscallNumber(50)
    public static let getsockname = SyscallNumber(51)
    public static let getpeername = SyscallNumber(52)
    public static let socketpair = SyscallNumber(53)
    public static let setsockopt = SyscallNumber(54)
    public static let getsockopt = SyscallNumber(55)
    public static let clone = SyscallNumber(56)
    public static let fork = SyscallNumber(57)
    public static let vfork = SyscallNumber(58)
    public static let execve = SyscallNumber(59)
    public static let exit = SyscallNumber(60)
    public static let wait4 = SyscallNumber(61)
    public static let kill = SyscallNumber(62)
    public static let uname = SyscallNumber(63)
    public static let semget = SyscallNumber(64)
    public static let semop = SyscallNumber(65)
    public static let semctl = SyscallNumber(66)
    public static let shmdt = SyscallNumber(67)
    public static let msgget = SyscallNumber(68)
    public static let msgsnd = SyscallNumber(69)
    public static let msgrcv = SyscallNumber(70)
    public static let msgctl = SyscallNumber(71)
    public static let fcntl = SyscallNumber(72)
    public static let flock = SyscallNumber(73)
    public static let fsync = SyscallNumber(74)
    public static let fdatasync = SyscallNumber(75)
    public static let truncate = SyscallNumber(76)
    public static let ftruncate = SyscallNumber(77)
    public static let getdents = SyscallNumber(78)
    public static let getcwd = SyscallNumber(79)
    public static let chdir = SyscallNumber(80)
    public static let fchdir = SyscallNumber(81)
    public static let rename = SyscallNumber(82)
    public static let mkdir = SyscallNumber(83)
    public static let rmdir = SyscallNumber(84)
    public static let creat = SyscallNumber(85)
    public static let link = SyscallNumber(86)
    public static let unlink = SyscallNumber(87)
    public static let symlink = SyscallNumber(88)
    public static let readlink = SyscallNumber(89)
    public static let chmod = SyscallNumber(90)
    public static let fchmod = SyscallNumber(91)
    public static let chown = SyscallNumber(92)
    public static let fchown = SyscallNumber(93)
    public static let lchown = SyscallNumber(94)
    public static let umask = SyscallNumber(95)
    public static let gettimeofday = SyscallNumber(96)
    public static let getrlimit = SyscallNumber(97)
    public static let getrusage = SyscallNumber(98)
    public static let sysinfo = SyscallNumber(99)
    public static let times = SyscallNumber(100)
    public static let ptrace = SyscallNumber(101)
    public static let getuid = SyscallNumber(102)
    public static let syslog = SyscallNumber(103)
    public static let getgid = SyscallNumber(104)
    public static let setuid = SyscallNumber(105)
    public static let setgid = SyscallNumber(106)
    public static let geteuid = SyscallNumber(107)
    public static let getegid = SyscallNumber(108)
    public static let setpgid = SyscallNumber(109)
    public static let getppid = SyscallNumber(110)
    public static let getpgrp = SyscallNumber(111)
    public static let setsid = SyscallNumber(112)
    public static let setreuid = SyscallNumber(113)
    public static let setregid = SyscallNumber(114)
    public static let getgroups = SyscallNumber(115)
    public static let setgroups = SyscallNumber(116)
    public static let setresuid = SyscallNumber(117)
    public static let getresuid = SyscallNumber(118)
    public static let setresgid = SyscallNumber(119)
    public static let getresgid = SyscallNumber(120)
    public static let getpgid = SyscallNumber(121)
    public static let setfsuid = SyscallNumber(122)
    public static let setfsgid = SyscallNumber(123)
    public static let getsid = SyscallNumber(124)
    public static let capget = SyscallNumber(125)
    public static let capset = SyscallNumber(126)
    public static let rt_sigpending = SyscallNumber(127)
    public static let rt_sigtimedwait = SyscallNumber(128)
    public static let rt_sigqueueinfo = SyscallNumber(129)
    public static let rt_sigsuspend = SyscallNumber(130)
    public static let sigaltstack = SyscallNumber(131)
    public static let utime = SyscallNumber(132)
    public static let mknod = SyscallNumber(133)
    public static let uselib = SyscallNumber(134)
    public static let personality = SyscallNumber(135)
    public static let ustat = SyscallNumber(136)
    public static let statfs = SyscallNumber(137)
    public static let fstatfs = SyscallNumber(138)
    public static let sysfs = SyscallNumber(139)
    public static let getpriority = SyscallNumber(140)
    public static let setpriority = SyscallNumber(141)
    public static let sched_setparam = SyscallNumber(142)
    public static let sched_getparam = SyscallNumber(143)
    public static let sched_setscheduler = SyscallNumber(144)
    public static let sched_getscheduler = SyscallNumber(145)
    public static let sched_get_priority_max = SyscallNumber(146)
    public static let sched_get_priority_min = SyscallNumber(147)
    public static let sched_rr_get_interval = SyscallNumber(148)
    public static let mlock = SyscallNumber(149)
    public static let munlock = SyscallNumber(150)
    public static let mlockall = SyscallNumber(151)
    public static let munlockall = SyscallNumber(152)
    public static let vhangup = SyscallNumber(153)
    public static let modify_ldt = SyscallNumber(154)
    public static let pivot_root = SyscallNumber(155)
    public static let _sysctl = SyscallNumber(156)
    public static let prctl = SyscallNumber(157)
    public static let arch_prctl = SyscallNumber(158)
    public static let adjtimex = SyscallNumber(159)
    public static let setrlimit = SyscallNumber(160)
    public static let chroot = SyscallNumber(161)
    public static let sync = SyscallNumber(162)
    public static let acct = SyscallNumber(163)
    public static let settimeofday = SyscallNumber(164)
    public static let mount = SyscallNumber(165)
    public static let umount2 = SyscallNumber(166)
    public static let swapon = SyscallNumber(167)
    public static let swapoff = SyscallNumber(168)
    public static let reboot = SyscallNumber(169)
    public static let sethostname = SyscallNumber(170)
    public static let setdomainname = SyscallNumber(171)
    public static let iopl = SyscallNumber(172)
    public static let ioperm = SyscallNumber(173)
    public static let create_module = SyscallNumber(174)
    public static let init_module = SyscallNumber(175)
    public static let delete_module = SyscallNumber(176)
    public static let get_kernel_syms = SyscallNumber(177)
    public static let query_module = SyscallNumber(178)
    public static let quotactl = SyscallNumber(179)
    public static let nfsservctl = SyscallNumber(180)
    public static let getpmsg = SyscallNumber(181)
    public static let putpmsg = SyscallNumber(182)
    public static let afs_syscall = SyscallNumber(183)
    public static let tuxcall = SyscallNumber(184)
    public static let security = SyscallNumber(185)
    public static let gettid = SyscallNumber(186)
    public static let readahead = SyscallNumber(187)
    public static let setxattr = SyscallNumber(188)
    public static let lsetxattr = SyscallNumber(189)
    public static let fsetxattr = SyscallNumber(190)
    public static let getxattr = SyscallNumber(191)
    public static let lgetxattr = SyscallNumber(192)
    public static let fgetxattr = SyscallNumber(193)
    public static let listxattr = SyscallNumber(194)
    public static let llistxattr = SyscallNumber(195)
    public static let flistxattr = SyscallNumber(196)
    public static let removexattr = SyscallNumber(197)
    public static let lremovexattr = SyscallNumber(198)
    public static let fremovexattr = SyscallNumber(199)
    public static let tkill = SyscallNumber(200)
    public static let time = SyscallNumber(201)
    public static let futex = SyscallNumber(202)
    public static let sched_setaffinity = SyscallNumber(203)
    public static let sched_getaffinity = SyscallNumber(204)
    public static let set_thread_area = SyscallNumber(205)
    public static let io_setup = SyscallNumber(206)
    public static let io_destroy = SyscallNumber(207)
    public static let io_getevents = SyscallNumber(208)
    public static let io_submit = SyscallNumber(209)
    public static let io_cancel = SyscallNumber(210)
    public static let get_thread_area = SyscallNumber(211)
    public static let lookup_dcookie = SyscallNumber(212)
    public static let epoll_create = SyscallNumber(213)
    public static let epoll_ctl_old = SyscallNumber(214)
    public static let epoll_wait_old = SyscallNumber(215)
    public static let remap_file_pages = SyscallNumber(216)
    public static let getdents64 = SyscallNumber(217)
    public static let set_tid_address = SyscallNumber(218)
    public static let restart_syscall = SyscallNumber(219)
    public static let semtimedop = SyscallNumber(220)
    public static let fadvise64 = SyscallNumber(221)
    public static let timer_create = SyscallNumber(222)
    public static let timer_settime = SyscallNumber(223)
    public static let timer_gettime = SyscallNumber(224)
    public static let timer_getoverrun = SyscallNumber(225)
    public static let timer_delete = SyscallNumber(226)
    public static let clock_settime = SyscallNumber(227)
    public static let clock_gettime = SyscallNumber(228)
    public static let clock_getres = SyscallNumber(229)
    public static let clock_nanosleep = SyscallNumber(230)
    public static let exit_group = SyscallNumber(231)
    public static let epoll_wait = SyscallNumber(232)
    public static let epoll_ctl = SyscallNumber(233)
    public static let tgkill = SyscallNumber(234)
    public static let utimes = SyscallNumber(235)
    public static let vserver = SyscallNumber(236)
    public static let mbind = SyscallNumber(237)
    public static let set_mempolicy = SyscallNumber(238)
    public static let get_mempolicy = SyscallNumber(239)
    public static let mq_open = SyscallNumber(240)
    public static let mq_unlink = SyscallNumber(241)
    public static let mq_timedsend = SyscallNumber(242)
    public static let mq_timedreceive = SyscallNumber(243)
    public static let mq_notify = SyscallNumber(244)
    public static let mq_getsetattr = SyscallNumber(245)
    public static let kexec_load = SyscallNumber(246)
    public static let waitid = SyscallNumber(247)
    public static let add_key = SyscallNumber(248)
    public static let request_key = SyscallNumber(249)
    public static let keyctl = SyscallNumber(250)
    public static let ioprio_set = SyscallNumber(251)
    public static let ioprio_get = SyscallNumber(252)
    public static let inotify_init = SyscallNumber(253)
    public static let inotify_add_watch = SyscallNumber(254)
    public static let inotify_rm_watch = SyscallNumber(255)
    public static let migrate_pages = SyscallNumber(256)
    public static let openat = SyscallNumber(257)
    public static let mkdirat = SyscallNumber(258)
    public static let mknodat = SyscallNumber(259)
    public static let fchownat = SyscallNumber(260)
    public static let futimesat = SyscallNumber(261)
    public static let newfstatat = SyscallNumber(262)
    public static let unlinkat = SyscallNumber(263)
    public static let renameat = SyscallNumber(264)
    public static let linkat = SyscallNumber(265)
    public static let symlinkat = SyscallNumber(266)
    public static let readlinkat = SyscallNumber(267)
    public static let fchmodat = SyscallNumber(268)
    public static let faccessat = SyscallNumber(269)
    public static let pselect6 = SyscallNumber(270)
    public static let ppoll = SyscallNumber(271)
    public static let unshare = SyscallNumber(272)
    public static let set_robust_list = SyscallNumber(273)
    public static let get_robust_list = SyscallNumber(274)
    public static let splice = SyscallNumber(275)
    public static let tee = SyscallNumber(276)
    public static let sync_file_range = SyscallNumber(277)
    public static let vmsplice = SyscallNumber(278)
    public static let move_pages = SyscallNumber(279)
    public static let utimensat = SyscallNumber(280)
    public static let epoll_pwait = SyscallNumber(281)
    public static let signalfd = SyscallNumber(282)
    public static let timerfd_create = SyscallNumber(283)
    public static let eventfd = SyscallNumber(284)
    public static let fallocate = SyscallNumber(285)
    public static let timerfd_settime = SyscallNumber(286)
    public static let timerfd_gettime = SyscallNumber(287)
    public static let accept4 = SyscallNumber(288)
    public static let signalfd4 = SyscallNumber(289)
    public static let eventfd2 = SyscallNumber(290)
    public static let epoll_create1 = SyscallNumber(291)
    public static let dup3 = SyscallNumber(292)
    public static let pipe2 = SyscallNumber(293)
    public static let inotify_init1 = SyscallNumber(294)
    public static let preadv = SyscallNumber(295)
    public static let pwritev = SyscallNumber(296)
    public static let rt_tgsigqueueinfo = SyscallNumber(297)
    public static let perf_event_open = SyscallNumber(298)
    public static let recvmmsg = SyscallNumber(299)
    public static let fanotify_init = SyscallNumber(300)
    public static let fanotify_mark = SyscallNumber(301)
    public static let prlimit64 = SyscallNumber(302)
    public static let name_to_handle_at = SyscallNumber(303)
    public static let open_by_handle_at = SyscallNumber(304)
    public static let clock_adjtime = SyscallNumber(305)
    public static let syncfs = SyscallNumber(306)
    public static let sendmmsg = SyscallNumber(307)
    public static let setns = SyscallNumber(308)
    public static let getcpu = SyscallNumber(309)
    public static let process_vm_readv = SyscallNumber(310)
    public static let process_vm_writev = SyscallNumber(311)
    public static let kcmp = SyscallNumber(312)
    public static let finit_module = SyscallNumber(313)
    public static let sched_setattr = SyscallNumber(314)
    public static let sched_getattr = SyscallNumber(315)
    public static let renameat2 = SyscallNumber(316)
    public static let seccomp = SyscallNumber(317)
    public static let getrandom = SyscallNumber(318)
    public static let memfd_create = SyscallNumber(319)
    public static let kexec_file_load = SyscallNumber(320)
    public static let bpf = SyscallNumber(321)
    public static let execveat = SyscallNumber(322)
    public static let userfaultfd = SyscallNumber(323)
    public static let membarrier = SyscallNumber(324)
    public static let mlock2 = SyscallNumber(325)
    public static let copy_file_range = SyscallNumber(326)
    public static let preadv2 = SyscallNumber(327)
    public static let pwritev2 = SyscallNumber(328)
    public static let pkey_mprotect = SyscallNumber(329)
    public static let pkey_alloc = SyscallNumber(330)
    public static let pkey_free = SyscallNumber(331)
    public static let statx = SyscallNumber(332)
    public static let io_pgetevents = SyscallNumber(333)
    public static let rseq = SyscallNumber(334)
    public static let pidfd_send_signal = SyscallNumber(424)
    public static let io_uring_setup = SyscallNumber(425)
    public static let io_uring_enter = SyscallNumber(426)
    public static let io_uring_register = SyscallNumber(427)
    public static let open_tree = SyscallNumber(428)
    public static let move_mount = SyscallNumber(429)
    public static let fsopen = SyscallNumber(430)
    public static let fsconfig = SyscallNumber(431)
    public static let fsmount = SyscallNumber(432)
    public static let fspick = SyscallNumber(433)
    public static let pidfd_open = SyscallNumber(434)
    public static let clone3 = SyscallNumber(435)
    public static let close_range = SyscallNumber(436)
    public static let openat2 = SyscallNumber(437)
    public static let pidfd_getfd = SyscallNumber(438)
    public static let faccessat2 = SyscallNumber(439)
    public static let process_madvise = SyscallNumber(440)
    public static let epoll_pwait2 = SyscallNumber(441)
    public static let mount_setattr = SyscallNumber(442)
    public static let quotactl_fd = SyscallNumber(443)
    public static let landlock_create_ruleset = SyscallNumber(444)
    public static let landlock_add_rule = SyscallNumber(445)
    public static let landlock_restrict_self = SyscallNumber(446)
    public static let memfd_secret = SyscallNumber(447)
    public static let process_mrelease = SyscallNumber(448)
    public static let futex_waitv = SyscallNumber(449)
    public static let set_mempolicy_home_node = SyscallNumber(450)
}
