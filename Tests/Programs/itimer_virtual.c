/* itimer_virtual: ITIMER_VIRTUAL (SIGVTALRM every 2 ms of user CPU time) over a syscall-free loop
 * that calls a helper each iteration, until 4 signals have arrived. The SA_SIGINFO handler keeps
 * si_code, rip, rsp, rax and eflags; main prints where each landed (loop or helper, and the
 * offset), then checks the result against a run without the timer. getitimer's interval and the
 * timer's state after disarming are printed too.
 *
 * Each iteration is ~3000 instructions of straight-line code (a chain of ~200 dependent divisions
 * makes it take ~1 us), so no instruction runs more than a few thousand times between two
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

#define WANT 4
#define MAX_ITERATIONS 200000L

struct sample { int code; greg_t rip, rsp, rax, eflags; };
static struct sample samples[WANT];
static volatile sig_atomic_t caught, stop;

static void on_vtalrm(int signal, siginfo_t *info, void *context) {
    (void)signal;
    ucontext_t *uc = context;
    if (caught >= WANT) return;
    struct sample *s = &samples[caught];
    s->code = info->si_code;
    s->rip = uc->uc_mcontext.gregs[REG_RIP];
    s->rsp = uc->uc_mcontext.gregs[REG_RSP];
    s->rax = uc->uc_mcontext.gregs[REG_RAX];
    s->eflags = uc->uc_mcontext.gregs[REG_EFL];
    if (++caught == WANT) stop = 1;
}

#define R4(s) s s s s
#define R64(s) R4(R4(R4(s)))
#define STEP_H a = a * 0x9E3779B97F4A7C15ull + (a >> 17); x = 1.0 / (x + 1.75) + (double)(a & 3) * 0x1p-9;
#define STEP_L b ^= b << 9; b += b >> 5; b *= 0xff51afd7ed558ccdull; y = 1.0 / (y + 2.0 + x * 0x1p-6) + (double)(int)(b & 31) * 0x1p-8;

__attribute__((noinline, noclone, section("vt_helper")))
static uint64_t helper(uint64_t a, double *value) {
    double x = *value;
    R64(STEP_H)
    *value = x;
    return a;
}

__attribute__((noinline, noclone, section("vt_loop")))
static long work(uint64_t *state, double *value, long max) {
    uint64_t a = state[0], b = state[1];
    double x = value[0], y = value[1];
    long i;
    for (i = 0; i < max && !stop; i++) {
        R64(STEP_L)
        x += y * 0x1p-4;  /* one chain of divisions through the loop and the helper */
        a = helper(a ^ b, &x);
        R64(STEP_L)
    }
    state[0] = a; state[1] = b; value[0] = x; value[1] = y;
    return i;
}
extern char __start_vt_helper[], __stop_vt_helper[], __start_vt_loop[], __stop_vt_loop[];

int main(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_vtalrm;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&action.sa_mask);
    CHECK(sigaction(SIGVTALRM, &action, NULL) == 0, "sigaction");

    struct itimerval timer = { { 0, 2000 }, { 0, 2000 } }, now;
    CHECK(setitimer(ITIMER_VIRTUAL, &timer, NULL) == 0, "setitimer");
    CHECK(getitimer(ITIMER_VIRTUAL, &now) == 0, "getitimer");
    /* The value reads back rounded to the CPU-time clock's granularity (a few ms). */
    printf("interval %ld us, value armed and below 1 s: %s\n", (long)now.it_interval.tv_usec,
           now.it_value.tv_sec == 0 && now.it_value.tv_usec > 0 ? "yes" : "no");

    uint64_t state[2] = { 11, 22 };
    double value[2] = { 0.5, 3.0 };
    long iterations = work(state, value, MAX_ITERATIONS);
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    CHECK(setitimer(ITIMER_VIRTUAL, &off, &now) == 0, "setitimer (disarm)");
    printf("old interval when disarming: %ld us\n", (long)now.it_interval.tv_usec);
    CHECK(getitimer(ITIMER_VIRTUAL, &now) == 0, "getitimer");
    printf("disarmed: %s\n", now.it_value.tv_sec == 0 && now.it_value.tv_usec == 0 && now.it_interval.tv_usec == 0 ? "yes" : "no");

    int n = caught;
    printf("signals caught: %d of %d\n", n, WANT);
    for (int i = 0; i < n; i++) {
        struct sample *s = &samples[i];
        char *rip = (char *)s->rip;
        const char *where = "elsewhere";
        unsigned long offset = 0;
        if (rip >= __start_vt_loop && rip < __stop_vt_loop) where = "loop", offset = rip - __start_vt_loop;
        else if (rip >= __start_vt_helper && rip < __stop_vt_helper) where = "helper", offset = rip - __start_vt_helper;
        printf("signal %d: si_code %d, %s+0x%lx, rip %p rsp 0x%llx rax 0x%llx eflags 0x%llx\n", i, s->code, where,
               offset, (void *)rip, (unsigned long long)s->rsp, (unsigned long long)s->rax, (unsigned long long)s->eflags);
    }
    printf("iterations: %ld\n", iterations);
    printf("result: %016llx %016llx %.17g %.17g\n", (unsigned long long)state[0], (unsigned long long)state[1],
           value[0], value[1]);

    uint64_t state2[2] = { 11, 22 };
    double value2[2] = { 0.5, 3.0 };
    stop = 0;
    long iterations2 = work(state2, value2, iterations);
    int same = iterations2 == iterations && memcmp(state, state2, sizeof state) == 0 && memcmp(value, value2, sizeof value) == 0;
    printf("same result without the timer: %s\n", same ? "yes" : "no");
    if (!same) { printf("FAIL results differ with the timer\n"); return 3; }
    if (n != WANT) { printf("FAIL only %d signals in %ld iterations\n", n, iterations); return 3; }
    return 0;
}
