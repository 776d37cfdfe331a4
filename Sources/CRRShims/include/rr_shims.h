// Only what Swift cannot express: variadic calls (ptrace, prctl, syscall), wait-status macros,
// fork+exec of a traced child, and the few instructions (rdtsc) the supervisor executes itself.
#ifndef RR_SHIMS_H
#define RR_SHIMS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/user.h>

#include "output_digest.h"

/// Result of a ptrace call: the value and errno captured immediately after the call.
typedef struct {
    long value;
    int error;
} rr_shim_result;

rr_shim_result rr_shim_ptrace(int request, pid_t pid, uint64_t addr, uint64_t data);
rr_shim_result rr_shim_get_regs(pid_t pid, struct user_regs_struct *regs);
/// process_vm_readv (glibc declares it only with _GNU_SOURCE): reads another process's memory
/// into local pieces without stopping at page faults in it, as reads of /proc/PID/mem would.
rr_shim_result rr_shim_process_vm_readv(pid_t pid, const struct iovec *local, unsigned long local_count,
                                        const struct iovec *remote, unsigned long remote_count);
rr_shim_result rr_shim_set_regs(pid_t pid, const struct user_regs_struct *regs);
/// siginfo_t is 128 bytes on x86-64; we move it as raw bytes.
rr_shim_result rr_shim_get_siginfo(pid_t pid, uint8_t out[128]);
rr_shim_result rr_shim_set_siginfo(pid_t pid, const uint8_t in[128]);

/// A run of pages PAGEMAP_SCAN found, [start, end), with its page categories.
typedef struct {
    uint64_t start, end, categories;
} rr_shim_page_region;

/// PAGEMAP_SCAN (Linux 6.7) on an open /proc/PID/pagemap: the runs of pages in [start, end)
/// that are present or swapped out, at most `capacity` of them; `*walk_end` says how far the
/// scan got. Returns the number of runs, or -1 with error (ENOTTY or EINVAL: an older kernel).
rr_shim_result rr_shim_pagemap_scan(int fd, uint64_t start, uint64_t end, rr_shim_page_region *regions,
                                    uint64_t capacity, uint64_t *walk_end);

/// PAGEMAP_SCAN for the pages of [start, end) written since userfaultfd write-protected them
/// (an async-WP registration), write-protecting them again. Fails with EPERM where a mapping
/// of the range is not so registered.
rr_shim_result rr_shim_pagemap_take_written(int fd, uint64_t start, uint64_t end, rr_shim_page_region *regions,
                                            uint64_t capacity, uint64_t *walk_end);

/// The flags a tracee's userfaultfd(2) is made with for write tracking: close-on-exec,
/// non-blocking, user-mode faults only (what an ordinary user may ask for).
int rr_shim_write_tracking_uffd_flags(void);
/// A copy, in this process, of descriptor `fd` of process `pid` (pidfd_getfd).
rr_shim_result rr_shim_fd_of_process(pid_t pid, int fd);
/// UFFDIO_API on a new userfaultfd: asynchronous write protection (a write just marks the page
/// written, no fault is delivered).
rr_shim_result rr_shim_uffd_enable_async_wp(int uffd);
/// UFFDIO_REGISTER for write protection of [start, start + length), then UFFDIO_WRITEPROTECT of it.
rr_shim_result rr_shim_uffd_track_writes(int uffd, uint64_t start, uint64_t length);

/// Where XSAVE component `index` (2: AVX, 5-7: AVX-512) lies in the standard (uncompacted)
/// image that ptrace's NT_X86_XSTATE gives, from CPUID leaf 0xD: 1 with `*offset` and `*size`
/// when the OS has enabled it (XCR0), else 0.
int rr_shim_xsave_component(unsigned index, uint32_t *offset, uint32_t *size);

/// waitpid(pid, &status, __WALL | flags); returns the pid or -1 with error.
rr_shim_result rr_shim_wait(pid_t pid, int *status, int flags);

int rr_shim_wifexited(int status);
int rr_shim_wexitstatus(int status);
int rr_shim_wifsignaled(int status);
int rr_shim_wtermsig(int status);
int rr_shim_wifstopped(int status);
int rr_shim_wstopsig(int status);
/// The PTRACE_EVENT_* number carried in a stop status (status >> 16).
int rr_shim_ptrace_event(int status);

/// How the traced child is prepared before it executes the program.
typedef struct {
    int cpu;                 // CPU to pin to; -1 for no pinning
    int stdout_to_stderr;    // redirect the child's stdout to its stderr
    int trap_rdtsc;          // PR_SET_TSC(PR_TSC_SIGSEGV)
    int no_core_dumps;       // RLIMIT_CORE = 0 (replay must not leave core files behind)
    int close_from;          // close every fd >= this before exec (-1: keep all)
    int set_signals;         // apply ignored_signals and blocked_signals (replay of a recorded start)
    uint64_t ignored_signals; // bit N-1: signal N set to SIG_IGN
    uint64_t blocked_signals; // the blocked mask
    int own_process_group;   // setpgid(0, 0): signals the program sends its group reach only its own processes
    int terminal_fd;         // with own_process_group: make the new group the terminal's foreground (-1: no)
} rr_shim_spawn_options;

/// fork(); in the child: PTRACE_TRACEME, no ASLR, CPU pinning, RDTSC trapping, SIGSTOP, execve.
/// Nothing but async-signal-safe calls run in the child. Returns the child's pid or -1.
rr_shim_result rr_shim_spawn_traced(const char *path, char *const argv[], char *const envp[],
                                    rr_shim_spawn_options options);

/// The recorder's handling of SIGINT, SIGTERM and SIGHUP (rr_shim_forward_stop_signals).
/// Installs the handler at once: a signal that arrives before the program's process group is
/// known is held and passed on when it is. A signal ignored already stays ignored (the program
/// inherits that).
void rr_shim_handle_stop_signals(void);

/// From now on SIGINT, SIGTERM and SIGHUP sent to the supervisor go to process group `group`
/// (the recorded program's). A SIGINT more than half a second after an earlier one sends SIGKILL
/// to the group instead and sets the kill request. `group` 0 stops forwarding.
void rr_shim_forward_stop_signals(pid_t group);

/// Whether a repeated SIGINT asked for the program to be killed.
int rr_shim_kill_requested(void);

/// The controlling terminal (opened on /dev/tty, close-on-exec) if this process's group is its
/// foreground group, so that the program's own group can take it over; -1 otherwise.
int rr_shim_foreground_terminal(void);

/// Makes this process's group the terminal's foreground group again (SIGTTOU blocked meanwhile).
void rr_shim_take_back_terminal(int fd);

/// Pin the calling thread to one CPU (sched_setaffinity).
int rr_shim_pin_to_cpu(int cpu);

/// Narrows the calling thread's allowed CPUs to all but `cpu`: 0 when done, 1 when no other CPU
/// is allowed (nothing changed), -errno on failure.
int rr_shim_avoid_cpu(int cpu);

/* 0 if an unprivileged seccomp filter can be installed here, else the errno (tried in a child). */
int rr_shim_probe_seccomp(void);

uint64_t rr_shim_rdtsc(void);
uint64_t rr_shim_rdtscp(uint32_t *aux);

/// PTRACE_GET_SYSCALL_INFO's op byte: 1 entry, 2 exit, 3 seccomp, 0 none (or -1 on error).
int rr_shim_syscall_stop_kind(pid_t pid);

/// Blocks SIGCHLD (so rr_shim_wait_timeout can sleep in sigtimedwait) and SIGPIPE (so writes to
/// a vanished pipe fail with EPIPE) in the calling thread; the previous mask is restored in every
/// child rr_shim_spawn_traced starts.
void rr_shim_block_child_signals(void);

/// waitpid(pid, __WALL) that gives up after timeout_ns: value 0 means "nothing yet".
rr_shim_result rr_shim_wait_timeout(pid_t pid, int *status, int64_t timeout_ns);

/// PTRACE_GETEVENTMSG: the new tid of a fork/clone event, the former tid of an exec.
rr_shim_result rr_shim_event_message(pid_t pid, unsigned long *message);

/// PTRACE_GETSIGMASK / PTRACE_SETSIGMASK (the tracee's blocked-signal mask, 64 bits).
rr_shim_result rr_shim_get_sigmask(pid_t pid, uint64_t *mask);
rr_shim_result rr_shim_set_sigmask(pid_t pid, uint64_t mask);
/// PTRACE_PEEKSIGINFO over the thread's and the process's queues: the queued signals as a mask.
rr_shim_result rr_shim_queued_signals(pid_t pid, uint64_t *mask);

/// kill(pid, sig) with errno captured.
rr_shim_result rr_shim_kill(pid_t pid, int sig);

/// A copy of descriptor `fd` of process `pid` in the calling process (pidfd_getfd), or -errno.
int rr_shim_copy_descriptor(pid_t pid, int fd);

/// SHA-256 of `count` bytes into `out` (OpenSSL); 0, or -1 on failure.
int rr_shim_sha256(const uint8_t *bytes, size_t count, uint8_t out[32]);

/// tgkill(tgid, tid, sig): a signal for one thread; 0 or -errno.
int rr_shim_tgkill(pid_t tgid, pid_t tid, int sig);

/// Stops a perf event from counting (PERF_EVENT_IOC_DISABLE); 0 or -errno.
int rr_shim_disable_perf_event(int fd);

/// The offset of the first `needle` in `haystack` (memmem, a GNU extension), or -1.
long rr_shim_find_bytes(const void *haystack, size_t length, const void *needle, size_t needle_length);

/// `count` bytes from the kernel's random source (getrandom); 0 or -errno.
int rr_shim_random_bytes(void *out, size_t count);

#endif
