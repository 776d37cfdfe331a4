/* async_signal_ucontext: a periodic ITIMER_REAL (first after 3 ms, then every 2 ms) interrupts a
 * syscall-free loop of straight-line integer and double arithmetic. The SA_SIGINFO handler keeps,
 * for each of 5 signals, si_code, the general registers from the ucontext and a checksum of the
 * SSE state (xmm0-15, mxcsr, x87 control/status/tag words); main prints them after the loop with
 * the final result, then runs the loop again for the same number of iterations without a timer
 * and checks that it gets the same result (the handlers and sigreturn left the registers alone).
 * Replay must deliver each signal at the same instruction with the same registers.
 *
 * Not printed: ERR, TRAPNO and CR2 of the frame, which for an asynchronous signal are whatever
 * the kernel last stored for the thread (replay's own breakpoint traps change them).
 *
 * Each loop iteration runs ~1000 instructions of straight-line code (a dependent chain of
 * divisions makes it slow), so no instruction runs more than a few thousand times between two
 * signals. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <ucontext.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

#define WANT 5
#define MAX_ITERATIONS 300000L

struct state { uint64_t a, b, c, d; double x, y, z, w; };

struct sample {
    int code;
    greg_t gregs[NGREG];
    int have_fp;
    uint64_t fpsum;
    uint32_t mxcsr;
};

static struct sample samples[WANT];
static volatile sig_atomic_t caught, stop;

static uint64_t fnv(uint64_t h, const void *data, size_t n) {
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static void on_alarm(int signal, siginfo_t *info, void *context) {
    (void)signal;
    ucontext_t *uc = context;
    if (caught >= WANT) return;
    struct sample *s = &samples[caught];
    s->code = info->si_code;
    memcpy(s->gregs, uc->uc_mcontext.gregs, sizeof s->gregs);
    fpregset_t fp = uc->uc_mcontext.fpregs;
    s->have_fp = fp != NULL;
    if (fp) {
        uint64_t h = 0xcbf29ce484222325ull;
        h = fnv(h, &fp->cwd, sizeof fp->cwd);
        h = fnv(h, &fp->swd, sizeof fp->swd);
        h = fnv(h, &fp->ftw, sizeof fp->ftw);
        h = fnv(h, &fp->mxcsr, sizeof fp->mxcsr);
        h = fnv(h, fp->_xmm, sizeof fp->_xmm);
        s->fpsum = h;
        s->mxcsr = fp->mxcsr;
    }
    if (++caught == WANT) stop = 1;
}

/* One step: two integer chains (multiply/xor) and four doubles, one of them a chain of divisions. */
#define STEP                                                   \
    a = a * 0x9E3779B97F4A7C15ull + b;                         \
    b ^= a >> 29;                                              \
    c = (c + (a & 0xffff)) * 0x2545F4914F6CDD1Dull;            \
    d ^= c + (d << 7);                                         \
    y = 1.0 / (y + 1.5) + (double)(b & 15) * 0x1p-10;          \
    x = x * 0.9999 + y;                                        \
    z = z * 0.5 + (double)(int)(c & 255) * 0.25;               \
    w = w - z * 0x1p-20 + x * 0x1p-30;
#define R4(s) s s s s
#define R32(s) R4(R4(s s))
#define BODY R4(R32(STEP))  /* 128 steps, ~1000 instructions */

/* In a section of its own, so __start_/__stop_ give its address range. */
__attribute__((noinline, noclone, section("async_ucontext_work")))
static long work(struct state *s, long max) {
    uint64_t a = s->a, b = s->b, c = s->c, d = s->d;
    double x = s->x, y = s->y, z = s->z, w = s->w;
    long i;
    for (i = 0; i < max && !stop; i++) { BODY }
    s->a = a; s->b = b; s->c = c; s->d = d;
    s->x = x; s->y = y; s->z = z; s->w = w;
    return i;
}
extern char __start_async_ucontext_work[], __stop_async_ucontext_work[];

static const char *const names[NGREG] = {
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rdi", "rsi", "rbp", "rbx",
    "rdx", "rax", "rcx", "rsp", "rip", "eflags", "csgsfs", "err", "trapno", "oldmask", "cr2",
};

int main(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_alarm;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&action.sa_mask);
    CHECK(sigaction(SIGALRM, &action, NULL) == 0, "sigaction");

    const struct state start = { 1, 2, 3, 4, 1.0, 0.5, 2.0, -1.0 };
    struct state s = start;
    struct itimerval timer = { { 0, 2000 }, { 0, 3000 } };
    CHECK(setitimer(ITIMER_REAL, &timer, NULL) == 0, "setitimer");
    long iterations = work(&s, MAX_ITERATIONS);
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    CHECK(setitimer(ITIMER_REAL, &off, NULL) == 0, "setitimer (disarm)");
    int n = caught;

    printf("signals caught: %d of %d\n", n, WANT);
    for (int i = 0; i < n; i++) {
        struct sample *p = &samples[i];
        char *rip = (char *)p->gregs[REG_RIP];
        int inside = rip >= __start_async_ucontext_work && rip < __stop_async_ucontext_work;
        printf("signal %d: si_code %d, rip %p, in the loop: %s, offset 0x%lx\n", i, p->code, (void *)rip,
               inside ? "yes" : "no", inside ? (unsigned long)(rip - __start_async_ucontext_work) : 0ul);
        for (int r = 0; r < NGREG; r++) {
            if (r == REG_ERR || r == REG_TRAPNO || r == REG_CR2) continue;
            printf("  %s=0x%llx", names[r], (unsigned long long)p->gregs[r]);
            if (r % 6 == 5) printf("\n");
        }
        printf("\n");
        if (p->have_fp) printf("  mxcsr=0x%x fpsum=0x%016llx\n", p->mxcsr, (unsigned long long)p->fpsum);
        else printf("  no fpregs\n");
    }
    printf("iterations: %ld\n", iterations);
    printf("result: a=%016llx b=%016llx c=%016llx d=%016llx\n", (unsigned long long)s.a,
           (unsigned long long)s.b, (unsigned long long)s.c, (unsigned long long)s.d);
    printf("result: x=%.17g y=%.17g z=%.17g w=%.17g\n", s.x, s.y, s.z, s.w);

    /* The same computation again with no signals. */
    struct state again = start;
    stop = 0;
    long iterations_again = work(&again, iterations);
    int same = iterations_again == iterations && memcmp(&again, &s, sizeof s) == 0;
    printf("recomputed without signals, same result: %s\n", same ? "yes" : "no");
    if (!same) { printf("FAIL the interrupted computation differs\n"); return 3; }
    if (n != WANT) { printf("FAIL only %d signals in %ld iterations\n", n, iterations); return 3; }
    return 0;
}
