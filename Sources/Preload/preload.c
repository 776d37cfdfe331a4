/* rr-swift's preload library: syscall buffering inside the recorded program (the rr paper,
 * section 3). Injected with LD_PRELOAD into every recorded process. It maps the syscall page at
 * a fixed address, installs a seccomp filter that lets syscalls made from that page's untraced
 * slots run without a ptrace stop, and tells the supervisor where its stub area and trampoline
 * are. The supervisor then patches syscall instructions in libraries, as they first trap, into
 * jumps to stubs that call rr_syscall_hook below. The hook performs common syscalls through the
 * untraced slot, with their output going into a per-thread buffer that the supervisor copies into
 * the trace at the thread's next ptrace stop. In replay the same code runs; the replay page's
 * untraced slot does not enter the kernel but returns the recorded result.
 *
 * Built with -mgeneral-regs-only: the hook runs in the middle of arbitrary library code and must
 * not touch vector registers, which a syscall preserves. Nothing here calls into libc after
 * start-up, and nothing here may use the red zone (-mno-red-zone): the slots are entered by `call`.
 */
#define _GNU_SOURCE
#include <asm/ioctls.h>
#include <asm/termbits.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/fs.h>
#include <linux/perf_event.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "syscallbuf.h"
#include "../CRRShims/include/output_digest.h"

#define HIDDEN __attribute__((visibility("hidden")))
#define barrier() __asm__ volatile("" ::: "memory")

/* ---------------------------------------------------------------- page images, trampoline, stubs */

/* Both images of the syscall page. The record image is written by this library at start-up; the
 * replayer overwrites the page with the replay image, which it reads from this library's memory. */
__asm__(
    ".section .rodata\n"
    ".balign 64\n"
    ".globl rr_page_record_image\n.hidden rr_page_record_image\n"
    "rr_page_record_image:\n"
    "  syscall\n  ret\n  .balign 32, 0xcc\n"    /* recorded: untraced */
    "  syscall\n  ret\n  .balign 32, 0xcc\n"    /* traced */
    "  syscall\n  ret\n  .balign 32, 0xcc\n"    /* unrecorded: untraced */
    "  syscall\n  ret\n  .balign 32, 0xcc\n"    /* replayed: untraced */
    ".balign 64\n"
    ".globl rr_page_replay_image\n.hidden rr_page_replay_image\n"
    "rr_page_replay_image:\n"
    /* recorded: copy the shadow record (r11 points at the live one) over the live record and
     * return its result. Nothing is written to the stack (the dead stack below rsp must hold
     * what it held when recorded: replay compares memory to find asynchronous events); rcx,
     * rsi, rdi and r11 are cleared by slot_call afterwards in both images. */
    "  lea 0x40000(%r11), %rsi\n  mov %r11, %rdi\n  mov (%rsi), %ecx\n  rep movsb\n"
    "  mov 8(%r11), %rax\n"
    "  ret\n  .balign 32, 0xcc\n"
    "  syscall\n  ret\n  .balign 32, 0xcc\n"    /* traced */
    "  mov $0, %eax\n  ret\n  .balign 32, 0xcc\n" /* unrecorded: not performed */
    "  syscall\n  ret\n  .balign 32, 0xcc\n"    /* replayed: performed (and stopped at) */
    ".text\n");

extern const unsigned char rr_page_record_image[128] HIDDEN;
extern const unsigned char rr_page_replay_image[128] HIDDEN;

/* The trampoline every patched syscall site's stub calls (with the stack pointer already moved
 * below the red zone): it saves what a syscall preserves, calls the hook with the syscall's
 * number and arguments, and returns its result in rax. */
__asm__(
    ".text\n"
    ".globl rr_syscall_trampoline\n.hidden rr_syscall_trampoline\n"
    "rr_syscall_trampoline:\n"
    "  pushfq\n  push %rbp\n  mov %rsp, %rbp\n"
    "  push %rdi\n  push %rsi\n  push %rdx\n  push %rcx\n  push %r8\n  push %r9\n  push %r10\n  push %r11\n"
    "  and $-16, %rsp\n  sub $16, %rsp\n"
    "  mov %r9, (%rsp)\n  mov %r8, %r9\n  mov %r10, %r8\n  mov %rdx, %rcx\n"
    "  mov %rsi, %rdx\n  mov %rdi, %rsi\n  mov %rax, %rdi\n"
    "  call rr_syscall_hook\n"
    "  lea -64(%rbp), %rsp\n"
    "  pop %r11\n  pop %r10\n  pop %r9\n  pop %r8\n  pop %rcx\n  pop %rdx\n  pop %rsi\n  pop %rdi\n"
    "  pop %rbp\n  popfq\n  ret\n"
    /* Room for the stubs the supervisor writes: each calls the trampoline, runs the instructions
     * its patch displaced and jumps back. In .text so that they are executable and near the
     * libraries (a patch is a 32-bit relative jump). */
    ".balign 64\n"
    ".globl rr_stub_area\n.hidden rr_stub_area\n"
    "rr_stub_area:\n"
    "  .fill 65536, 1, 0xcc\n");

extern void rr_syscall_trampoline(void) HIDDEN;
extern unsigned char rr_stub_area[65536] HIDDEN;

/* ---------------------------------------------------------------- making syscalls */

static long raw_syscall(long no, long a0, long a1, long a2, long a3, long a4, long a5) {
    register long r10 __asm__("r10") = a3;
    register long r8 __asm__("r8") = a4;
    register long r9 __asm__("r9") = a5;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "0"(no), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

/* Calls a slot of the syscall page. r11 carries the record the call belongs to (the replay image
 * of the recorded slot reads it, and uses rcx, rsi and rdi); rcx, rsi, rdi and r11 are cleared
 * afterwards so that record and replay leave the same registers behind. */
static long slot_call(unsigned long slot, long no, long a0, long a1, long a2, long a3, long a4, long a5,
                      void *record) {
    register long r10 __asm__("r10") = a3;
    register long r8 __asm__("r8") = a4;
    register long r9 __asm__("r9") = a5;
    register void *r11 __asm__("r11") = record;
    long ret;
    __asm__ volatile("call *%[target]\n\tmovl $0, %%ecx\n\tmovl $0, %%r11d\n\tmovl $0, %%esi\n\tmovl $0, %%edi"
                     : "=a"(ret), "+r"(r11), "+D"(a0), "+S"(a1)
                     : "0"(no), "d"(a2), "r"(r10), "r"(r8), "r"(r9),
                       [target] "r"(RR_PAGE_ADDRESS + slot)
                     : "rcx", "memory", "cc");
    return ret;
}

static int page_ready;

static long traced(long no, long a0, long a1, long a2, long a3, long a4, long a5) {
    if (!page_ready) return raw_syscall(no, a0, a1, a2, a3, a4, a5);
    return slot_call(RR_SLOT_TRACED, no, a0, a1, a2, a3, a4, a5, 0);
}

static void copy_bytes(void *to, const void *from, unsigned long count) {
    __asm__ volatile("rep movsb" : "+D"(to), "+S"(from), "+c"(count) : : "memory");
}

static int failed(long ret) { return (unsigned long)ret > -4096UL; }

/* ---------------------------------------------------------------- process and thread state */

struct thread_state {
    int initialized;
    int32_t current_syscall; /* of the record being made */
    int desched_fd;
    struct rr_buffer_header *header;
    uint8_t *records;
};

static __thread struct thread_state thread_state __attribute__((tls_model("initial-exec")));

/* Written by the supervisor (and the replayer, at the same points): nonzero while a vfork child
 * runs on this process's memory, when buffering would mix the child's records into the parent's. */
static volatile uint32_t vfork_children;
static int process_ready;

static void zero_bytes(void *to, unsigned long count) {
    __asm__ volatile("rep stosb" : "+D"(to), "+c"(count) : "a"(0) : "memory");
}

static int open_desched_event(void) {
    struct perf_event_attr attr;
    zero_bytes(&attr, sizeof attr);
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_CONTEXT_SWITCHES;
    attr.sample_period = 1;
    attr.wakeup_events = 1;
    attr.disabled = 1;
    long fd = traced(SYS_perf_event_open, (long)&attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC, 0);
    if (failed(fd)) return -1;
    struct f_owner_ex owner;
    owner.type = F_OWNER_TID;
    owner.pid = (int)traced(SYS_gettid, 0, 0, 0, 0, 0, 0);
    if (failed(traced(SYS_fcntl, fd, F_SETFL, O_ASYNC, 0, 0, 0)) ||
        failed(traced(SYS_fcntl, fd, F_SETOWN_EX, (long)&owner, 0, 0, 0)) ||
        failed(traced(SYS_fcntl, fd, F_SETSIG, RR_DESCHED_SIGNAL, 0, 0, 0))) {
        traced(SYS_close, fd, 0, 0, 0, 0, 0);
        return -1;
    }
    return (int)fd;
}

/* The calling thread's buffer, set up on its first buffered syscall; NULL if it has none. */
static struct thread_state *current_thread(void) {
    struct thread_state *t = &thread_state;
    if (t->header) return t;
    if (t->initialized || !process_ready) return NULL;
    t->initialized = 1;
    long mapping = traced(SYS_mmap, 0, RR_BUFFER_MAPPING_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (failed(mapping)) return NULL;
    t->desched_fd = open_desched_event();
    traced(RR_CALL_INIT_THREAD, mapping, RR_BUFFER_MAPPING_SIZE, t->desched_fd, 0, 0, 0);
    t->header = (struct rr_buffer_header *)mapping;
    t->records = (uint8_t *)mapping + RR_BUFFER_HEADER_SIZE;
    return t;
}

/* A forked child keeps its copy of the buffer (the supervisor registers it for the child) but
 * needs a desched event of its own: the inherited one watches the parent thread. */
static void after_fork_in_child(void) {
    struct thread_state *t = &thread_state;
    if (!t->header) return;
    if (t->desched_fd >= 0) traced(SYS_close, t->desched_fd, 0, 0, 0, 0, 0);
    t->desched_fd = open_desched_event();
    traced(RR_CALL_INIT_THREAD, (long)t->header, RR_BUFFER_MAPPING_SIZE, t->desched_fd, 0, 0, 0);
}

/* ---------------------------------------------------------------- one buffered syscall */

static uint32_t aligned(uint32_t size) { return (size + 7) & ~7u; }

/* Starts a record with room for `data_size` bytes of output, or returns NULL when the buffer
 * cannot take it (the caller then makes the syscall traced, which flushes the buffer). */
static struct rr_record *begin(struct thread_state *t, long no, unsigned long data_size) {
    struct rr_buffer_header *h = t->header;
    if (data_size > RR_RECORDS_SIZE - RR_RECORD_HEADER_SIZE) return NULL;
    h->busy = 1;
    barrier();
    uint32_t offset = h->recorded_bytes;
    if (offset + RR_RECORD_HEADER_SIZE + data_size > RR_RECORDS_SIZE) {
        barrier();
        h->busy = 0;
        if (offset == 0) return NULL;
        traced(SYS_getpid, 0, 0, 0, 0, 0, 0); /* a traced stop flushes and empties the buffer */
        h->busy = 1;
        barrier();
        offset = h->recorded_bytes;
        if (offset + RR_RECORD_HEADER_SIZE + data_size > RR_RECORDS_SIZE) {
            h->busy = 0;
            return NULL;
        }
    }
    struct rr_record *r = (struct rr_record *)(t->records + offset);
    t->current_syscall = (int32_t)no;
    r->syscallno = (int32_t)no;
    return r;
}

/* Everything in the record's header is written here, after the call: in replay the slot has
 * just copied the recorded record over this one, and the replayer compares the two. */
static long commit(struct thread_state *t, struct rr_record *r, long ret, unsigned long data_size) {
    r->syscallno = t->current_syscall;
    r->ret = ret;
    r->size = aligned(RR_RECORD_HEADER_SIZE + (uint32_t)data_size);
    barrier();
    t->header->recorded_bytes += r->size;
    barrier();
    t->header->busy = 0;
    return ret;
}

static void arm(struct thread_state *t) {
    if (t->desched_fd >= 0) slot_call(RR_SLOT_UNRECORDED, SYS_ioctl, t->desched_fd, PERF_EVENT_IOC_ENABLE, 0, 0, 0, 0, 0);
}

static void disarm(struct thread_state *t) {
    if (t->desched_fd >= 0) slot_call(RR_SLOT_UNRECORDED, SYS_ioctl, t->desched_fd, PERF_EVENT_IOC_DISABLE, 0, 0, 0, 0, 0);
}

/* The untraced syscall of record `r`; `may_block` arms the desched event around it so that the
 * supervisor hears when the thread blocks and can run another. */
static long untraced(struct thread_state *t, struct rr_record *r, int may_block, long no, long a0, long a1, long a2,
                     long a3, long a4, long a5) {
    if (may_block) arm(t);
    long ret = slot_call(RR_SLOT_RECORDED, no, a0, a1, a2, a3, a4, a5, r);
    if (may_block) disarm(t);
    return ret;
}

/* A syscall with no output beyond its result. */
static long no_output(struct thread_state *t, int may_block, long no, long a0, long a1, long a2, long a3, long a4,
                      long a5, int *done) {
    struct rr_record *r = begin(t, no, 0);
    if (!r) return 0;
    *done = 1;
    return commit(t, r, untraced(t, r, may_block, no, a0, a1, a2, a3, a4, a5), 0);
}

/* A syscall writing up to `size` bytes at argument `out` (the result says how many when
 * `counted`, otherwise all `size` bytes on success). A NULL `out` stays traced: the kernel
 * fails the call with EFAULT, where the copy back here would crash. */
static long one_output(struct thread_state *t, int may_block, long no, long *args, int out, unsigned long size,
                       int counted, int *done) {
    if (size && !args[out]) return 0;
    struct rr_record *r = begin(t, no, size);
    if (!r) return 0;
    *done = 1;
    long user = args[out];
    long a[6] = {args[0], args[1], args[2], args[3], args[4], args[5]};
    a[out] = (long)r->data;
    long ret = untraced(t, r, may_block, no, a[0], a[1], a[2], a[3], a[4], a[5]);
    unsigned long written = failed(ret) ? 0 : counted ? (unsigned long)ret : size;
    if (written > size) written = size;
    if (written) copy_bytes((void *)user, r->data, written);
    return commit(t, r, ret, counted ? written : size);
}

/* The digest of the bytes an output call (write, pwrite64, writev, sendto, sendmsg) that
 * returned `ret` took from the program's memory: its first `ret` bytes, none when it failed. */
static void add_iovecs(struct rr_output_digest *d, const struct iovec *iov, unsigned long count, unsigned long total) {
    for (unsigned long i = 0; i < count && total; i++) {
        unsigned long used = iov[i].iov_len < total ? iov[i].iov_len : total;
        rr_output_digest_add(d, iov[i].iov_base, used);
        total -= used;
    }
}

static uint64_t output_digest(long no, const long *args, long ret) {
    struct rr_output_digest d;
    rr_output_digest_init(&d);
    if (!failed(ret) && ret > 0) {
        switch (no) {
        case SYS_writev: add_iovecs(&d, (const struct iovec *)args[1], (unsigned long)args[2], (unsigned long)ret); break;
        case SYS_sendmsg: {
            const struct msghdr *m = (const struct msghdr *)args[1];
            add_iovecs(&d, m->msg_iov, m->msg_iovlen, (unsigned long)ret);
            break;
        }
        default: rr_output_digest_add(&d, (const void *)args[1], (unsigned long)ret); break;
        }
    }
    return rr_output_digest_finish(&d);
}

/* An output call: its record's data is the digest of what it output, computed after the call,
 * in replay too (from the bytes the replayed program passed), where the replayer finds a
 * digest that differs from the recorded one among the records it compares. */
static long output_call(struct thread_state *t, int may_block, long no, long *args, int *done) {
    struct rr_record *r = begin(t, no, sizeof(uint64_t));
    if (!r) return 0;
    *done = 1;
    long ret = untraced(t, r, may_block, no, args[0], args[1], args[2], args[3], args[4], args[5]);
    uint64_t digest = output_digest(no, args, ret);
    copy_bytes(r->data, &digest, sizeof digest);
    return commit(t, r, ret, sizeof digest);
}

/* Syscalls in the replayed slot: performed for real in replay too (they change the thread or
 * the address space), their results recorded so replay can check them. */
static long replayed(struct thread_state *t, long no, long *args, int out, unsigned long size, int *done) {
    struct rr_record *r = begin(t, no, size);
    if (!r) return 0;
    *done = 1;
    long a[6] = {args[0], args[1], args[2], args[3], args[4], args[5]};
    if (out >= 0 && a[out]) a[out] = (long)r->data; else size = 0;
    long ret = slot_call(RR_SLOT_REPLAYED, no, a[0], a[1], a[2], a[3], a[4], a[5], r);
    if (size && !failed(ret)) copy_bytes((void *)args[out], r->data, size);
    return commit(t, r, ret, size);
}

/* The largest vector a buffered readv or recvmsg takes. */
#define MAX_IOV 16

/* The bytes `count` iovecs ask for, or a size no record can take: lengths are the program's and
 * may be anything (their sum could wrap around to a small number). */
static unsigned long iovec_total(const struct iovec *iov, unsigned long count) {
    unsigned long total = 0;
    for (unsigned long i = 0; i < count; i++) {
        if (iov[i].iov_len > RR_RECORDS_SIZE) return RR_RECORDS_SIZE + 1;
        total += iov[i].iov_len;
    }
    return total;
}

static long vector_read(struct thread_state *t, long no, long *args, int *done) {
    const struct iovec *user = (const struct iovec *)args[1];
    long count = args[2];
    if (count < 0 || count > MAX_IOV) return 0;
    unsigned long total = iovec_total(user, (unsigned long)count);
    struct rr_record *r = begin(t, no, total);
    if (!r) return 0;
    *done = 1;
    struct iovec local[MAX_IOV];
    unsigned long offset = 0;
    for (long i = 0; i < count; i++) {
        local[i].iov_base = r->data + offset;
        local[i].iov_len = user[i].iov_len;
        offset += user[i].iov_len;
    }
    long ret = untraced(t, r, 1, no, args[0], (long)local, count, args[3], args[4], args[5]);
    unsigned long left = failed(ret) ? 0 : (unsigned long)ret, from = 0;
    for (long i = 0; i < count && left; i++) {
        unsigned long n = user[i].iov_len < left ? user[i].iov_len : left;
        copy_bytes(user[i].iov_base, r->data + from, n);
        from += n;
        left -= n;
    }
    return commit(t, r, ret, failed(ret) ? 0 : (unsigned long)ret);
}

/* poll and ppoll read and write their pollfd array (and ppoll its timeout): both are copied into
 * the record, the call made on the copies, and the copies copied back. */
static long poll_family(struct thread_state *t, long no, long *args, int *done) {
    unsigned long nfds = (unsigned long)args[1];
    if (nfds > 1024) return 0;
    unsigned long fds_size = nfds * sizeof(struct pollfd), size = fds_size + 16;
    struct rr_record *r = begin(t, no, size);
    if (!r) return 0;
    *done = 1;
    copy_bytes(r->data, (void *)args[0], fds_size);
    long a[6] = {(long)r->data, args[1], args[2], args[3], args[4], args[5]};
    if (no == SYS_ppoll && args[2]) {
        copy_bytes(r->data + fds_size, (void *)args[2], 16);
        a[2] = (long)(r->data + fds_size);
    }
    long ret = untraced(t, r, 1, no, a[0], a[1], a[2], a[3], a[4], a[5]);
    copy_bytes((void *)args[0], r->data, fds_size);
    if (no == SYS_ppoll && args[2]) copy_bytes((void *)args[2], r->data + fds_size, 16);
    return commit(t, r, ret, size);
}

/* The largest socket address a buffered recvfrom or recvmsg takes (sizeof(struct
 * sockaddr_storage)), and the largest control buffer a buffered recvmsg takes. */
#define MAX_ADDRESS_SIZE 128
#define MAX_CONTROL_SIZE 1024

static unsigned long at_most(unsigned long value, unsigned long limit) { return value < limit ? value : limit; }

/* With MSG_TRUNC a receive returns the full length of what it took, which can exceed the buffer
 * (a datagram's), and may write none of it (TCP discards the data). The record's data area
 * starts as a copy of the caller's buffer, so that copying back min(result, buffer size) bytes
 * leaves whatever the kernel did not write as it was. */
static void preserve_unwritten(int flags, void *record_data, const void *user, unsigned long size) {
    if (flags & MSG_TRUNC) copy_bytes(record_data, user, size);
}

/* recvfrom: the data, the peer address and its length all land in the record. */
struct received_from {
    uint32_t address_length;
    uint32_t reserved;
    uint8_t address[MAX_ADDRESS_SIZE];
    uint8_t data[];
};

static long receive_from(struct thread_state *t, long *args, int *done) {
    void *user_data = (void *)args[1], *user_address = (void *)args[4];
    uint32_t *user_length = (uint32_t *)args[5];
    unsigned long length = (unsigned long)args[2];
    int flags = (int)args[3];
    /* The kernel writes the address length (the whole address's, even past the capacity) when
     * there is an address buffer, and fails with EFAULT when there is no length to go with it. */
    if (user_address && !user_length) return 0;
    if (length && !user_data) return 0;
    uint32_t capacity = user_address ? *user_length : 0;
    if (capacity > MAX_ADDRESS_SIZE) return 0;
    struct rr_record *r = begin(t, SYS_recvfrom, sizeof(struct received_from) + length);
    if (!r) return 0;
    *done = 1;
    struct received_from *in = (struct received_from *)r->data;
    in->address_length = capacity;
    preserve_unwritten(flags, in->data, user_data, length);
    long ret = untraced(t, r, 1, SYS_recvfrom, args[0], (long)in->data, (long)length, flags,
                        user_address ? (long)in->address : 0, user_address ? (long)&in->address_length : 0);
    unsigned long copied = failed(ret) ? 0 : at_most((unsigned long)ret, length);
    copy_bytes(user_data, in->data, copied);
    if (!failed(ret) && user_address) {
        copy_bytes(user_address, in->address, at_most(in->address_length, capacity));
        *user_length = in->address_length;
    }
    return commit(t, r, ret, sizeof(struct received_from) + copied);
}

/* recvmsg: the msghdr, its iovec array, name and control buffers are rebuilt inside the record,
 * so that everything the kernel writes (including the lengths and flags in the msghdr) is there. */
struct received_message {
    struct msghdr header;
    struct iovec iov[MAX_IOV];
    uint8_t name[MAX_ADDRESS_SIZE];
    uint8_t control[MAX_CONTROL_SIZE];
    uint8_t data[];
};

/* Copies `count` bytes of the record's data area out over the caller's iovecs, in order. */
static void scatter(const struct iovec *user, unsigned long iov_count, const uint8_t *data, unsigned long count) {
    for (unsigned long i = 0; i < iov_count && count; i++) {
        unsigned long n = at_most(user[i].iov_len, count);
        copy_bytes(user[i].iov_base, data, n);
        data += n;
        count -= n;
    }
}

static long receive_message(struct thread_state *t, long *args, int *done) {
    struct msghdr *user = (struct msghdr *)args[1];
    int flags = (int)args[2];
    if (!user || user->msg_iovlen > MAX_IOV || (user->msg_iovlen && !user->msg_iov)) return 0;
    if (user->msg_namelen > MAX_ADDRESS_SIZE || user->msg_controllen > MAX_CONTROL_SIZE) return 0;
    unsigned long total = iovec_total(user->msg_iov, user->msg_iovlen);
    struct rr_record *r = begin(t, SYS_recvmsg, sizeof(struct received_message) + total);
    if (!r) return 0;
    *done = 1;
    struct received_message *in = (struct received_message *)r->data;
    struct msghdr *m = &in->header;
    unsigned long offset = 0;
    for (unsigned long i = 0; i < user->msg_iovlen; i++) {
        in->iov[i].iov_base = in->data + offset;
        in->iov[i].iov_len = user->msg_iov[i].iov_len;
        preserve_unwritten(flags, in->data + offset, user->msg_iov[i].iov_base, user->msg_iov[i].iov_len);
        offset += user->msg_iov[i].iov_len;
    }
    /* The same msghdr as the caller's, buffers moved into the record: the kernel sees the same
     * lengths, and NULL buffers stay NULL. */
    m->msg_name = user->msg_name ? in->name : 0;
    m->msg_namelen = user->msg_namelen;
    m->msg_iov = in->iov;
    m->msg_iovlen = user->msg_iovlen;
    m->msg_control = user->msg_control ? in->control : 0;
    m->msg_controllen = user->msg_controllen;
    /* The control length the kernel returns includes the padding after the last message's data,
     * which it does not write (an IP_TTL message: 20 bytes written, 24 returned). */
    if (user->msg_control) copy_bytes(in->control, user->msg_control, user->msg_controllen);
    m->msg_flags = 0;
    long ret = untraced(t, r, 1, SYS_recvmsg, args[0], (long)m, flags, 0, 0, 0);
    unsigned long copied = failed(ret) ? 0 : at_most((unsigned long)ret, total);
    if (!failed(ret)) {
        scatter(user->msg_iov, user->msg_iovlen, in->data, copied);
        /* What the kernel writes on success: the name and its full length when there is a name
         * buffer; always the flags and the length of the control data it wrote. */
        if (user->msg_name) {
            copy_bytes(user->msg_name, in->name, at_most(m->msg_namelen, user->msg_namelen));
            user->msg_namelen = m->msg_namelen;
        }
        copy_bytes(user->msg_control, in->control, m->msg_controllen);
        user->msg_controllen = m->msg_controllen;
        user->msg_flags = m->msg_flags;
    }
    return commit(t, r, ret, sizeof(struct received_message) + copied);
}

/* ---------------------------------------------------------------- the hook */

/* What TCGETS writes: the kernel's struct termios (asm/termbits.h), not glibc's 60-byte one. */
#define KERNEL_TERMIOS_SIZE 36
_Static_assert(sizeof(struct termios) == KERNEL_TERMIOS_SIZE, "TCGETS writes the kernel's struct termios");
#define STAT_SIZE 144
#define STAT_MODE_OFFSET 24 /* st_mode in the kernel's x86-64 struct stat */
#define STATX_SIZE 256

/* Without a desched event a call that may block stays traced, so that the supervisor can run
 * another thread meanwhile: an ordinary user cannot count the kernel's context switches where
 * perf_event_paranoid is 2. A regular file never blocks for long, so reads and writes on one
 * are still buffered; a buffered fstat (recorded, so that replay takes the same branch) tells. */
static int is_regular_file(struct thread_state *t, long fd) {
    unsigned char st[STAT_SIZE];
    long args[6] = {fd, (long)st, 0, 0, 0, 0};
    int done = 0;
    long ret = one_output(t, 0, SYS_fstat, args, 1, STAT_SIZE, 0, &done);
    if (!done || failed(ret)) return 0;
    uint32_t mode;
    copy_bytes(&mode, st + STAT_MODE_OFFSET, sizeof mode);
    return (mode & S_IFMT) == S_IFREG;
}

/* Where a patched syscall site lands. Returns the syscall's result, made buffered when this
 * thread can and the call is one of the buffered ones, traced otherwise. Writes to descriptors
 * 0-2 and changes to them stay traced: the supervisor follows which descriptors are the
 * recording's stdout and stderr, and replay echoes what the program writes there. */
HIDDEN long rr_syscall_hook(long no, long a0, long a1, long a2, long a3, long a4, long a5) {
    long args[6] = {a0, a1, a2, a3, a4, a5};
    struct thread_state *t = vfork_children ? NULL : current_thread();
    if (!t || t->header->busy) return traced(no, a0, a1, a2, a3, a4, a5);
    int done = 0, can_block = t->desched_fd >= 0;
    long ret = 0;
    switch (no) {
    case SYS_read:
        if (can_block || is_regular_file(t, a0)) ret = one_output(t, 1, no, args, 1, (unsigned long)a2, 1, &done);
        break;
    case SYS_pread64:
        ret = one_output(t, 1, no, args, 1, (unsigned long)a2, 1, &done);
        break;
    case SYS_readv:
        if (can_block || is_regular_file(t, a0)) ret = vector_read(t, no, args, &done);
        break;
    case SYS_write: case SYS_pwrite64: case SYS_writev:
        if (a0 > 2 && (can_block || no == SYS_pwrite64 || is_regular_file(t, a0))) ret = output_call(t, no != SYS_pwrite64, no, args, &done);
        break;
    case SYS_sendto: case SYS_sendmsg:
        if (a0 > 2 && can_block) ret = output_call(t, 1, no, args, &done);
        break;
    case SYS_open: case SYS_openat: case SYS_access: case SYS_faccessat: case SYS_faccessat2:
    case SYS_lseek: case SYS_getpid: case SYS_gettid: case SYS_getppid: case SYS_getuid:
    case SYS_geteuid: case SYS_getgid: case SYS_getegid:
        ret = no_output(t, 0, no, a0, a1, a2, a3, a4, a5, &done);
        break;
    case SYS_close:
        if (a0 > 2) ret = no_output(t, 0, no, a0, a1, a2, a3, a4, a5, &done);
        break;
    /* File-system changes and metadata (cp -a, tar, make): results only. */
    case SYS_setxattr: case SYS_lsetxattr: case SYS_fsetxattr: case SYS_removexattr:
    case SYS_lremovexattr: case SYS_fremovexattr: case SYS_utimensat: case SYS_fadvise64:
    case SYS_fchmod: case SYS_fchown: case SYS_fchmodat: case SYS_fchownat: case SYS_mkdir:
    case SYS_mkdirat: case SYS_unlink: case SYS_unlinkat: case SYS_ftruncate: case SYS_fsync:
    case SYS_fdatasync: case SYS_rename: case SYS_renameat: case SYS_chmod:
        ret = no_output(t, 0, no, a0, a1, a2, a3, a4, a5, &done);
        break;
    case SYS_copy_file_range: /* without offset pointers, which it would update */
        if (!a1 && !a3) ret = no_output(t, 0, no, a0, a1, a2, a3, a4, a5, &done);
        break;
    case SYS_getxattr: case SYS_lgetxattr: case SYS_fgetxattr:
        ret = one_output(t, 0, no, args, 2, (unsigned long)a3, 1, &done);
        break;
    case SYS_listxattr: case SYS_llistxattr: case SYS_flistxattr:
        ret = one_output(t, 0, no, args, 1, (unsigned long)a2, 1, &done);
        break;
    case SYS_fstat:
        ret = one_output(t, 0, no, args, 1, STAT_SIZE, 0, &done);
        break;
    case SYS_stat: case SYS_lstat:
        ret = one_output(t, 0, no, args, 1, STAT_SIZE, 0, &done);
        break;
    case SYS_newfstatat:
        ret = one_output(t, 0, no, args, 2, STAT_SIZE, 0, &done);
        break;
    case SYS_statx:
        ret = one_output(t, 0, no, args, 4, STATX_SIZE, 0, &done);
        break;
    case SYS_getdents64:
        ret = one_output(t, 0, no, args, 1, (unsigned long)a2, 1, &done);
        break;
    case SYS_readlink:
        ret = one_output(t, 0, no, args, 1, (unsigned long)a2, 1, &done);
        break;
    case SYS_readlinkat:
        ret = one_output(t, 0, no, args, 2, (unsigned long)a3, 1, &done);
        break;
    case SYS_getrandom:
        if (!(a2 & 1 /* GRND_NONBLOCK */) && !can_block) break;
        ret = one_output(t, !(a2 & 1), no, args, 0, (unsigned long)a1, 1, &done);
        break;
    case SYS_clock_gettime:
        if (a1) ret = one_output(t, 0, no, args, 1, 16, 0, &done);
        break;
    case SYS_gettimeofday:
        if (a0 && !a1) ret = one_output(t, 0, no, args, 0, 16, 0, &done);
        break;
    case SYS_time:
        if (!a0) ret = no_output(t, 0, no, 0, 0, 0, 0, 0, 0, &done);
        break;
    case SYS_futex: {
        long op = a1 & 0x7f; /* without FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME */
        if (op == 1 /* WAKE */ || op == 10 /* WAKE_BITSET */) ret = no_output(t, 0, no, a0, a1, a2, a3, a4, a5, &done);
        else if ((op == 0 /* WAIT */ || op == 9 /* WAIT_BITSET */) && can_block)
            ret = no_output(t, 1, no, a0, a1, a2, a3, a4, a5, &done);
        break;
    }
    case SYS_poll: case SYS_ppoll:
        if (can_block) ret = poll_family(t, no, args, &done);
        break;
    case SYS_epoll_wait: case SYS_epoll_pwait:
        if (can_block && a2 > 0 && a2 <= 1024) {
            struct rr_record *r = begin(t, no, (unsigned long)a2 * 12);
            if (!r) break;
            done = 1;
            ret = untraced(t, r, 1, no, a0, (long)r->data, a2, a3, a4, a5);
            unsigned long n = failed(ret) ? 0 : (unsigned long)ret * 12;
            copy_bytes((void *)a1, r->data, n);
            ret = commit(t, r, ret, n);
        }
        break;
    case SYS_recvfrom:
        if (can_block) ret = receive_from(t, args, &done);
        break;
    case SYS_recvmsg:
        if (can_block) ret = receive_message(t, args, &done);
        break;
    case SYS_fcntl:
        if (a0 > 2 && a1 >= F_GETFD && a1 <= F_SETFL) ret = no_output(t, 0, no, a0, a1, a2, a3, a4, a5, &done);
        break;
    case SYS_ioctl:
        if (a1 == FIONREAD) ret = one_output(t, 0, no, args, 2, sizeof(int), 0, &done);
        else if (a1 == TCGETS) ret = one_output(t, 0, no, args, 2, KERNEL_TERMIOS_SIZE, 0, &done);
        else if (a1 == FICLONE) ret = no_output(t, 0, no, a0, a1, a2, a3, a4, a5, &done);
        break;
    case SYS_rt_sigprocmask:
        if (a3 == 8) ret = replayed(t, no, args, 2, 8, &done);
        break;
    case SYS_mprotect: case SYS_madvise:
        ret = replayed(t, no, args, -1, 0, &done);
        break;
    }
    return done ? ret : traced(no, a0, a1, a2, a3, a4, a5);
}

/* ---------------------------------------------------------------- start-up */

static int install_seccomp_filter(void) {
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer) + 4),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(RR_PAGE_ADDRESS >> 32), 0, 5),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(RR_PAGE_ADDRESS + RR_SLOT_RECORDED + 2), 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(RR_PAGE_ADDRESS + RR_SLOT_UNRECORDED + 2), 1, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(RR_PAGE_ADDRESS + RR_SLOT_REPLAYED + 2), 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
    };
    struct sock_fprog program = {sizeof filter / sizeof filter[0], filter};
    long ret = traced(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, (long)&program, 0, 0, 0);
    if (ret == -EACCES) {
        /* Without CAP_SYS_ADMIN a filter needs no_new_privs. */
        traced(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0);
        ret = traced(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, (long)&program, 0, 0, 0);
    }
    return ret == 0;
}

__attribute__((constructor(101))) static void rr_preload_init(void) {
    long page = raw_syscall(SYS_mmap, RR_PAGE_ADDRESS, RR_PAGE_SIZE, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (page != (long)RR_PAGE_ADDRESS) return; /* not recorded by us, or the address is taken */
    copy_bytes((void *)RR_PAGE_ADDRESS, rr_page_record_image, sizeof rr_page_record_image);
    if (failed(raw_syscall(SYS_mprotect, RR_PAGE_ADDRESS, RR_PAGE_SIZE, PROT_READ | PROT_EXEC, 0, 0, 0))) return;
    page_ready = 1;
    if (!install_seccomp_filter()) return;
    pthread_atfork(0, 0, after_fork_in_child);
    traced(RR_CALL_INIT_PROCESS, (long)rr_stub_area, sizeof rr_stub_area, (long)rr_syscall_trampoline,
           (long)rr_page_replay_image, (long)&vfork_children, 0);
    process_ready = 1;
}
