#define _GNU_SOURCE
#include "rr_shims.h"

#include <cpuid.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <time.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <linux/userfaultfd.h>
#include <unistd.h>

static rr_shim_result make_result(long value) {
    rr_shim_result r = { value, value == -1 ? errno : 0 };
    return r;
}

/* The kernel's struct pm_scan_arg and its flags (linux/fs.h of 6.7; older headers lack them). */
struct rr_pm_scan_arg {
    uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
    uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};
_Static_assert(sizeof(struct rr_pm_scan_arg) == 96, "struct pm_scan_arg");
_Static_assert(sizeof(rr_shim_page_region) == 24, "struct page_region");
#define RR_PAGEMAP_SCAN _IOWR('f', 16, struct rr_pm_scan_arg)
#define RR_PAGE_IS_PRESENT (1u << 3)
#define RR_PAGE_IS_SWAPPED (1u << 4)

rr_shim_result rr_shim_pagemap_scan(int fd, uint64_t start, uint64_t end, rr_shim_page_region *regions,
                                    uint64_t capacity, uint64_t *walk_end) {
    struct rr_pm_scan_arg arg = {
        .size = sizeof arg, .start = start, .end = end, .vec = (uint64_t)(uintptr_t)regions, .vec_len = capacity,
        .category_anyof_mask = RR_PAGE_IS_PRESENT | RR_PAGE_IS_SWAPPED,
        .return_mask = RR_PAGE_IS_PRESENT | RR_PAGE_IS_SWAPPED,
    };
    rr_shim_result r = make_result(ioctl(fd, RR_PAGEMAP_SCAN, &arg));
    *walk_end = arg.walk_end;
    return r;
}

#define RR_PAGE_IS_WRITTEN (1u << 1)
#define RR_PM_SCAN_WP_MATCHING (1u << 0)
#define RR_PM_SCAN_CHECK_WPASYNC (1u << 1)

rr_shim_result rr_shim_pagemap_take_written(int fd, uint64_t start, uint64_t end, rr_shim_page_region *regions,
                                            uint64_t capacity, uint64_t *walk_end) {
    struct rr_pm_scan_arg arg = {
        .size = sizeof arg, .flags = RR_PM_SCAN_WP_MATCHING | RR_PM_SCAN_CHECK_WPASYNC, .start = start, .end = end,
        .vec = (uint64_t)(uintptr_t)regions, .vec_len = capacity,
        .category_mask = RR_PAGE_IS_WRITTEN, .return_mask = RR_PAGE_IS_WRITTEN,
    };
    rr_shim_result r = make_result(ioctl(fd, RR_PAGEMAP_SCAN, &arg));
    *walk_end = arg.walk_end;
    return r;
}

/* linux/userfaultfd.h of 6.7 (older headers lack the async feature). */
#define RR_UFFD_USER_MODE_ONLY 1
#define RR_UFFD_FEATURE_WP_ASYNC (1ull << 15)

int rr_shim_write_tracking_uffd_flags(void) { return O_CLOEXEC | O_NONBLOCK | RR_UFFD_USER_MODE_ONLY; }

rr_shim_result rr_shim_fd_of_process(pid_t pid, int fd) {
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0) return make_result(-1);
    rr_shim_result r = make_result(syscall(SYS_pidfd_getfd, pidfd, fd, 0));
    close(pidfd);
    return r;
}

rr_shim_result rr_shim_uffd_enable_async_wp(int uffd) {
    /* Not UFFD_FEATURE_WP_UNPOPULATED: it would fill the page tables of whole reservations
     * (sanitizer shadows, managed heaps) with markers, which pagemap reads as swapped pages. A
     * page first touched after a look shows as written: more than was, never less. */
    struct uffdio_api api = { .api = UFFD_API, .features = RR_UFFD_FEATURE_WP_ASYNC };
    return make_result(ioctl(uffd, UFFDIO_API, &api));
}

rr_shim_result rr_shim_uffd_track_writes(int uffd, uint64_t start, uint64_t length) {
    struct uffdio_register reg = { .range = { start, length }, .mode = UFFDIO_REGISTER_MODE_WP };
    if (ioctl(uffd, UFFDIO_REGISTER, &reg) != 0) return make_result(-1);
    struct uffdio_writeprotect wp = { .range = { start, length }, .mode = UFFDIO_WRITEPROTECT_MODE_WP };
    return make_result(ioctl(uffd, UFFDIO_WRITEPROTECT, &wp));
}

rr_shim_result rr_shim_process_vm_readv(pid_t pid, const struct iovec *local, unsigned long local_count,
                                        const struct iovec *remote, unsigned long remote_count) {
    return make_result(process_vm_readv(pid, local, local_count, remote, remote_count, 0));
}

rr_shim_result rr_shim_ptrace(int request, pid_t pid, uint64_t addr, uint64_t data) {
    errno = 0;
    long v = ptrace((enum __ptrace_request)request, pid, (void *)addr, (void *)data);
    rr_shim_result r = { v, errno };
    return r;
}

rr_shim_result rr_shim_get_regs(pid_t pid, struct user_regs_struct *regs) {
    return make_result(ptrace(PTRACE_GETREGS, pid, 0, regs));
}

rr_shim_result rr_shim_set_regs(pid_t pid, const struct user_regs_struct *regs) {
    return make_result(ptrace(PTRACE_SETREGS, pid, 0, (void *)regs));
}

_Static_assert(sizeof(siginfo_t) == 128, "siginfo_t is 128 bytes on x86-64");

rr_shim_result rr_shim_get_siginfo(pid_t pid, uint8_t out[128]) {
    return make_result(ptrace(PTRACE_GETSIGINFO, pid, 0, out));
}

rr_shim_result rr_shim_set_siginfo(pid_t pid, const uint8_t in[128]) {
    return make_result(ptrace(PTRACE_SETSIGINFO, pid, 0, (void *)in));
}

rr_shim_result rr_shim_wait(pid_t pid, int *status, int flags) {
    return make_result(waitpid(pid, status, __WALL | flags));
}

int rr_shim_wifexited(int status) { return WIFEXITED(status); }
int rr_shim_wexitstatus(int status) { return WEXITSTATUS(status); }
int rr_shim_wifsignaled(int status) { return WIFSIGNALED(status); }
int rr_shim_wtermsig(int status) { return WTERMSIG(status); }
int rr_shim_wifstopped(int status) { return WIFSTOPPED(status); }
int rr_shim_wstopsig(int status) { return WSTOPSIG(status); }
int rr_shim_ptrace_event(int status) { return (status >> 16) & 0xff; }

static sigset_t saved_mask;
static int saved_mask_valid;

void rr_shim_block_child_signals(void) {
    sigset_t child;
    sigemptyset(&child);
    sigaddset(&child, SIGCHLD);
    sigaddset(&child, SIGPIPE);  // a vanished trace-writer must be an EPIPE error, not a silent death
    if (pthread_sigmask(SIG_BLOCK, &child, &saved_mask) == 0) saved_mask_valid = 1;
}

rr_shim_result rr_shim_wait_timeout(pid_t pid, int *status, int64_t timeout_ns) {
    struct timespec now, deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ns / 1000000000;
    deadline.tv_nsec += timeout_ns % 1000000000;
    if (deadline.tv_nsec >= 1000000000) { deadline.tv_sec++; deadline.tv_nsec -= 1000000000; }
    sigset_t child;
    sigemptyset(&child);
    sigaddset(&child, SIGCHLD);
    for (;;) {
        pid_t r = waitpid(pid, status, __WALL | WNOHANG);
        if (r != 0) return make_result(r);
        clock_gettime(CLOCK_MONOTONIC, &now);
        int64_t left = (int64_t)(deadline.tv_sec - now.tv_sec) * 1000000000 + (deadline.tv_nsec - now.tv_nsec);
        if (left <= 0) { rr_shim_result none = { 0, 0 }; return none; }
        struct timespec wait = { left / 1000000000, left % 1000000000 };
        // A tracee stop sends SIGCHLD; a missed one only costs the rest of this timeout.
        if (wait.tv_sec > 0 || wait.tv_nsec > 2000000) { wait.tv_sec = 0; wait.tv_nsec = 2000000; }
        sigtimedwait(&child, NULL, &wait);
    }
}

rr_shim_result rr_shim_event_message(pid_t pid, unsigned long *message) {
    return make_result(ptrace(PTRACE_GETEVENTMSG, pid, 0, message));
}

rr_shim_result rr_shim_spawn_traced(const char *path, char *const argv[], char *const envp[],
                                    rr_shim_spawn_options options) {
    pid_t pid = fork();
    if (pid != 0) return make_result(pid);
    // Child: only async-signal-safe calls from here to execve.
    if (options.own_process_group) {
        setpgid(0, 0);
        if (options.terminal_fd >= 0) {
            // A background group may take the terminal only with SIGTTOU blocked (the mask is
            // set again just below).
            sigset_t ttou;
            sigemptyset(&ttou);
            sigaddset(&ttou, SIGTTOU);
            sigprocmask(SIG_BLOCK, &ttou, NULL);
            tcsetpgrp(options.terminal_fd, getpid());
        }
    }
    if (saved_mask_valid) sigprocmask(SIG_SETMASK, &saved_mask, NULL);
    if (options.set_signals) {
        for (int sig = 1; sig <= 64; sig++) {
            if (sig != SIGKILL && sig != SIGSTOP && (options.ignored_signals >> (sig - 1)) & 1) signal(sig, SIG_IGN);
        }
        sigset_t blocked;
        sigemptyset(&blocked);
        for (int sig = 1; sig <= 64; sig++) {
            if ((options.blocked_signals >> (sig - 1)) & 1) sigaddset(&blocked, sig);
        }
        sigprocmask(SIG_SETMASK, &blocked, NULL);
    }
    if (options.stdout_to_stderr) dup2(2, 1);
    if (options.close_from >= 0) syscall(SYS_close_range, options.close_from, ~0U, 0);
    if (options.no_core_dumps) {
        struct rlimit none = { 0, 0 };
        setrlimit(RLIMIT_CORE, &none);
    }
    personality(ADDR_NO_RANDOMIZE);
    if (options.cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(options.cpu, &set);
        sched_setaffinity(0, sizeof set, &set);
    }
    if (options.trap_rdtsc) prctl(PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0, 0);
    if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0) _exit(126);
    raise(SIGSTOP);
    execve(path, argv, envp);
    _exit(127);
}

/* Whether this kernel (and any container policy) lets an unprivileged process install a seccomp
 * filter, as the preload library does: tried in a short-lived child. 0 or the errno. */
int rr_shim_probe_seccomp(void) {
    pid_t pid = fork();
    if (pid < 0) return errno;
    if (pid == 0) {
        struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
        struct sock_fprog program = { 1, &allow };
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(errno & 0xff);
        _exit(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) == 0 ? 0 : errno & 0xff);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    return WIFEXITED(status) ? WEXITSTATUS(status) : EINVAL;
}

static volatile sig_atomic_t forward_group;
static volatile sig_atomic_t held_signal;
static volatile sig_atomic_t kill_requested;
static int64_t first_interrupt_ns;  // only touched in the handler, which masks all three signals

static void forward_stop_signal(int sig) {
    int saved = errno;
    pid_t group = forward_group;
    if (group <= 0) {
        held_signal = sig;
    } else {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        int64_t ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
        // Copies of one signal arrive close together (timeout(1) signals its child and then its
        // whole group; rr-launch passes on what it gets): only a later SIGINT is a second one.
        if (sig == SIGINT && first_interrupt_ns != 0 && ns - first_interrupt_ns > 500000000) {
            kill_requested = 1;
            kill(-group, SIGKILL);
        } else {
            if (sig == SIGINT && first_interrupt_ns == 0) first_interrupt_ns = ns;
            kill(-group, sig);
        }
    }
    errno = saved;
}

void rr_shim_handle_stop_signals(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = forward_stop_signal;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    sigaddset(&action.sa_mask, SIGINT);
    sigaddset(&action.sa_mask, SIGTERM);
    sigaddset(&action.sa_mask, SIGHUP);
    const int signals[] = { SIGINT, SIGTERM, SIGHUP };
    for (unsigned i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        // Ignored when we started (nohup, a background job of a script): the program, which
        // inherits it, ignores it as it would without us, so there is nothing to pass on.
        struct sigaction current;
        if (sigaction(signals[i], NULL, &current) == 0 && current.sa_handler == SIG_IGN) continue;
        sigaction(signals[i], &action, NULL);
    }
}

void rr_shim_forward_stop_signals(pid_t group) {
    forward_group = group;
    int held = held_signal;
    if (group > 0 && held != 0) {
        held_signal = 0;
        raise(held);
    }
}

int rr_shim_kill_requested(void) { return kill_requested; }

int rr_shim_foreground_terminal(void) {
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return -1;
    if (tcgetpgrp(fd) != getpgrp()) {
        close(fd);
        return -1;
    }
    return fd;
}

void rr_shim_take_back_terminal(int fd) {
    if (fd < 0) return;
    sigset_t ttou, saved;
    sigemptyset(&ttou);
    sigaddset(&ttou, SIGTTOU);
    pthread_sigmask(SIG_BLOCK, &ttou, &saved);
    tcsetpgrp(fd, getpgrp());
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
}

int rr_shim_pin_to_cpu(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof set, &set);
}

int rr_shim_avoid_cpu(int cpu) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0) return -errno;
    if (cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &set) || CPU_COUNT(&set) < 2) return 1;
    CPU_CLR(cpu, &set);
    return sched_setaffinity(0, sizeof set, &set) == 0 ? 0 : -errno;
}

uint64_t rr_shim_rdtsc(void) {
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

uint64_t rr_shim_rdtscp(uint32_t *aux) {
    uint32_t lo, hi, c;
    __asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(c));
    *aux = c;
    return ((uint64_t)hi << 32) | lo;
}

int rr_shim_syscall_stop_kind(pid_t pid) {
    uint8_t info[128];
    memset(info, 0, sizeof info);
    long n = ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)sizeof info, info);
    if (n < 0) return -1;
    return info[0];
}

/* The signals queued for a ptrace-stopped thread, its own and its process's, as a kernel mask:
   PTRACE_PEEKSIGINFO over both queues (two calls where /proc/PID/status costs a file read). */
rr_shim_result rr_shim_queued_signals(pid_t pid, uint64_t *mask) {
    struct { uint64_t off; uint32_t flags; int32_t nr; } args;  /* struct ptrace_peeksiginfo_args */
    enum { batch = 32, shared_queue = 1 /* PTRACE_PEEKSIGINFO_SHARED */ };
    uint8_t infos[batch][128];
    *mask = 0;
    for (uint32_t queue = 0; queue <= shared_queue; queue++) {
        for (args.off = 0, args.flags = queue, args.nr = batch;; args.off += batch) {
            long n = ptrace(PTRACE_PEEKSIGINFO, pid, &args, infos);
            if (n < 0) return make_result(n);
            for (long i = 0; i < n; i++) {
                int32_t signo;
                memcpy(&signo, infos[i], sizeof signo);
                if (signo >= 1 && signo <= 64) *mask |= 1ULL << (signo - 1);
            }
            if (n < batch) break;
        }
    }
    return make_result(0);
}

rr_shim_result rr_shim_get_sigmask(pid_t pid, uint64_t *mask) {
    return make_result(ptrace(PTRACE_GETSIGMASK, pid, (void *)sizeof *mask, mask));
}

rr_shim_result rr_shim_set_sigmask(pid_t pid, uint64_t mask) {
    return make_result(ptrace(PTRACE_SETSIGMASK, pid, (void *)sizeof mask, &mask));
}

rr_shim_result rr_shim_kill(pid_t pid, int sig) {
    return make_result(kill(pid, sig));
}

/* A copy of descriptor `fd` of process `pid` in this process (pidfd_getfd), or -errno. */
int rr_shim_copy_descriptor(pid_t pid, int fd) {
    int pidfd = (int)syscall(434 /* pidfd_open */, pid, 0);
    if (pidfd < 0) return -errno;
    int copy = (int)syscall(438 /* pidfd_getfd */, pidfd, fd, 0);
    int saved = errno;
    close(pidfd);
    return copy < 0 ? -saved : copy;
}

/* Stops a perf event from counting (PERF_EVENT_IOC_DISABLE); 0 or -errno. */
int rr_shim_disable_perf_event(int fd) {
    return ioctl(fd, 0x2401, 0) < 0 ? -errno : 0;
}

/* tgkill(tgid, tid, sig): a signal for one thread; 0 or -errno. */
int rr_shim_tgkill(pid_t tgid, pid_t tid, int sig) {
    return syscall(SYS_tgkill, tgid, tid, sig) < 0 ? -errno : 0;
}

/* SHA-256 of a buffer with OpenSSL (which uses the CPU's SHA extensions where there are any):
 * every file a program maps is hashed at record time and again at replay. */
int rr_shim_sha256(const uint8_t *bytes, size_t count, uint8_t out[32]) {
    unsigned int length = 32;
    return EVP_Digest(bytes, count, out, &length, EVP_sha256(), NULL) == 1 && length == 32 ? 0 : -1;
}

long rr_shim_find_bytes(const void *haystack, size_t length, const void *needle, size_t needle_length) {
    const void *found = memmem(haystack, length, needle, needle_length);
    return found ? (long)((const char *)found - (const char *)haystack) : -1;
}

int rr_shim_random_bytes(void *out, size_t count) {
    size_t done = 0;
    while (done < count) {
        ssize_t n = getrandom((char *)out + done, count - done, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        done += (size_t)n;
    }
    return 0;
}

int rr_shim_xsave_component(unsigned index, uint32_t *offset, uint32_t *size) {
    unsigned eax, ebx, ecx, edx;
    if (index >= 32 || !__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_OSXSAVE)) return 0;
    uint32_t low, high;
    __asm__ volatile("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
    if (!(low & (1u << index))) return 0;
    __cpuid_count(0xd, index, eax, ebx, ecx, edx);
    if (eax == 0) return 0;
    *size = eax;
    *offset = ebx;
    return 1;
}
