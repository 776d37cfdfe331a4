/* sync_faults: synchronous signals raised by the faulting instruction itself, each caught by an
 * SA_SIGINFO handler that reports si_code, the fault address and the frame's trap number and
 * error code (set by the fault, so the same in any run; of a page fault's error code only the
 * write and user bits are printed: the present bit depends on whether the page was ever populated,
 * which a debugger reading the tracee's memory can change):
 * - SIGSEGV: stores to a PROT_NONE page; the handler mprotects it writable and returns, so the
 *   store is retried and succeeds (twice, at two offsets);
 * - SIGBUS: a read in the second page of a two-page mapping of a half-page file;
 * - SIGFPE: an integer division by zero (siglongjmp out);
 * - SIGILL: ud2 (siglongjmp out);
 * - SIGTRAP: int3 three times; the handler counts and returns, and execution goes on after it.
 * Addresses are printed relative to the mapping or to the faulting instruction's label. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

static long page_size;
static char *region;          /* the SIGSEGV pages */
static char *file_map;        /* the SIGBUS mapping */
static char path[64];
static sigjmp_buf escape;

struct report { int signal, code, trapno; long err; void *addr; void *rip; };
static struct report last;
static volatile int segv_count, trap_count;

static void record(int signal, siginfo_t *info, void *context) {
    ucontext_t *uc = context;
    last.signal = signal;
    last.code = info->si_code;
    last.addr = info->si_addr;
    last.trapno = (int)uc->uc_mcontext.gregs[REG_TRAPNO];
    last.err = (long)uc->uc_mcontext.gregs[REG_ERR];
    last.rip = (void *)uc->uc_mcontext.gregs[REG_RIP];
}

static void on_segv(int signal, siginfo_t *info, void *context) {
    record(signal, info, context);
    segv_count++;
    char *page = (char *)((uintptr_t)info->si_addr & ~(uintptr_t)(page_size - 1));
    if (mprotect(page, page_size, PROT_READ | PROT_WRITE) != 0) _exit(3);
}

static void on_escape(int signal, siginfo_t *info, void *context) {
    record(signal, info, context);
    siglongjmp(escape, 1);
}

static void on_trap(int signal, siginfo_t *info, void *context) {
    record(signal, info, context);
    trap_count++;
}

static void handle(int signal, void (*handler)(int, siginfo_t *, void *)) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = handler;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    CHECK(sigaction(signal, &action, NULL) == 0, "sigaction");
}

static void remove_file(void) { if (path[0]) unlink(path); }

static const char *code_name(int signal, int code) {
    switch (signal) {
    case SIGSEGV: return code == SEGV_ACCERR ? "SEGV_ACCERR" : code == SEGV_MAPERR ? "SEGV_MAPERR" : "other";
    case SIGBUS: return code == BUS_ADRERR ? "BUS_ADRERR" : code == BUS_OBJERR ? "BUS_OBJERR" : "other";
    case SIGFPE: return code == FPE_INTDIV ? "FPE_INTDIV" : "other";
    case SIGILL: return code == ILL_ILLOPN ? "ILL_ILLOPN" : "other";
    case SIGTRAP: return code == SI_KERNEL ? "SI_KERNEL" : code == TRAP_BRKPT ? "TRAP_BRKPT" : "other";
    }
    return "?";
}

/* The faulting instructions, each at a label of its own. */
extern char divide_site[], ud2_site[], int3_site[], after_int3[];
__attribute__((noinline, noclone)) static int divide(int a, int b) {
    int q;
    __asm__ volatile("mov %1, %%eax\n\tcltd\n\t.globl divide_site\ndivide_site:\n\tidivl %2\n\tmov %%eax, %0"
                     : "=r"(q) : "r"(a), "r"(b) : "eax", "edx", "cc");
    return q;
}
__attribute__((noinline, noclone)) static void illegal(void) {
    __asm__ volatile(".globl ud2_site\nud2_site:\n\tud2");
}
__attribute__((noinline, noclone)) static void breakpoint(void) {
    __asm__ volatile(".globl int3_site\nint3_site:\n\tint3\n.globl after_int3\nafter_int3:\n\tnop");
}

int main(void) {
    page_size = sysconf(_SC_PAGESIZE);

    /* SIGSEGV, resumed after mprotect. */
    handle(SIGSEGV, on_segv);
    region = mmap(NULL, 2 * page_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(region != MAP_FAILED, "mmap");
    const long offsets[2] = { 100, page_size + 7 };
    for (int i = 0; i < 2; i++) {
        volatile char *p = region + offsets[i];
        *p = 'a' + i;
        printf("SIGSEGV: %s at offset %ld, trapno %d, err write/user bits 0x%lx, count %d; after the handler the store gave '%c'\n",
               code_name(last.signal, last.code), (long)((char *)last.addr - region), last.trapno, last.err & 6,
               (int)segv_count, *p);
    }
    CHECK(segv_count == 2 && region[100] == 'a' && region[page_size + 7] == 'b', "SIGSEGV resumed");

    /* SIGBUS past the end of a file. */
    snprintf(path, sizeof path, "/tmp/sync_faults.%d", (int)getpid());
    atexit(remove_file);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0, "open");
    CHECK(ftruncate(fd, page_size / 2) == 0, "ftruncate");
    file_map = mmap(NULL, 2 * page_size, PROT_READ, MAP_PRIVATE, fd, 0);  /* twice the file's size */
    CHECK(file_map != MAP_FAILED, "mmap file");
    handle(SIGBUS, on_escape);
    memset(&last, 0, sizeof last);
    volatile char value = 0;
    if (sigsetjmp(escape, 1) == 0) {
        value = file_map[10];  /* inside the file: reads a zero */
        value = file_map[page_size + 20];
        printf("FAIL no SIGBUS\n");
        return 3;
    }
    printf("SIGBUS: %s at offset %ld, value read before it %d\n", code_name(last.signal, last.code),
           (long)((char *)last.addr - file_map), value);
    CHECK(last.signal == SIGBUS && (char *)last.addr == file_map + page_size + 20, "SIGBUS address");
    close(fd);

    /* SIGFPE. */
    handle(SIGFPE, on_escape);
    memset(&last, 0, sizeof last);
    volatile int zero = 0;
    if (sigsetjmp(escape, 1) == 0) {
        int q = divide(7, zero);
        printf("FAIL no SIGFPE (%d)\n", q);
        return 3;
    }
    printf("SIGFPE: %s at the idiv: %s, trapno %d, err 0x%lx\n", code_name(last.signal, last.code),
           last.addr == divide_site && last.rip == divide_site ? "yes" : "no", last.trapno, last.err);
    CHECK(last.signal == SIGFPE && last.addr == divide_site, "SIGFPE address");
    printf("7 / 2 afterwards: %d\n", divide(7, 2));

    /* SIGILL. */
    handle(SIGILL, on_escape);
    memset(&last, 0, sizeof last);
    if (sigsetjmp(escape, 1) == 0) {
        illegal();
        printf("FAIL no SIGILL\n");
        return 3;
    }
    printf("SIGILL: %s at the ud2: %s, trapno %d, err 0x%lx\n", code_name(last.signal, last.code),
           last.addr == ud2_site && last.rip == ud2_site ? "yes" : "no", last.trapno, last.err);
    CHECK(last.signal == SIGILL && last.addr == ud2_site, "SIGILL address");

    /* SIGTRAP from int3: the handler returns and execution continues after the int3. */
    handle(SIGTRAP, on_trap);
    for (int i = 0; i < 3; i++) breakpoint();
    printf("SIGTRAP: %s, count %d, rip after the int3: %s, trapno %d\n", code_name(last.signal, last.code),
           (int)trap_count, last.rip == after_int3 ? "yes" : "no", last.trapno);
    CHECK(trap_count == 3 && last.rip == after_int3, "SIGTRAP count");

    /* The masks are restored by sigreturn and siglongjmp. */
    sigset_t mask;
    CHECK(sigprocmask(SIG_BLOCK, NULL, &mask) == 0, "sigprocmask");
    printf("blocked afterwards: SEGV %d BUS %d FPE %d ILL %d TRAP %d\n", sigismember(&mask, SIGSEGV),
           sigismember(&mask, SIGBUS), sigismember(&mask, SIGFPE), sigismember(&mask, SIGILL), sigismember(&mask, SIGTRAP));
    return 0;
}
