/* itimer_prof_histogram: a 1 kHz ITIMER_PROF sampler (SIGPROF every 1000 us of CPU time) over
 * ~60 ms of syscall-free CPU work in four worker functions, called in turn. The handler stores
 * each interrupted rip; main prints the sample count, a histogram by worker and every sample as
 * worker+offset. Replay must deliver every SIGPROF at the same instruction. The workers' results
 * are checked against a second run without the timer.
 *
 * Each worker's loop body is ~1000-6000 instructions of straight-line code, so no instruction
 * runs more than ~2000 times between two samples. */
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

#define MAX_SAMPLES 1024
#define ROUNDS 60
#define ITERATIONS 500

static char *volatile rips[MAX_SAMPLES];
static volatile int samples, dropped;

static void on_prof(int signal, siginfo_t *info, void *context) {
    (void)signal; (void)info;
    ucontext_t *uc = context;
    if (samples < MAX_SAMPLES) rips[samples++] = (char *)uc->uc_mcontext.gregs[REG_RIP];
    else dropped++;
}

#define R4(s) s s s s
#define R64(s) R4(R4(R4(s)))
#define R128(s) R64(s) R64(s)

/* Four different straight-line steps. */
#define STEP_A a = a * 0x9E3779B97F4A7C15ull + b; b ^= a >> 31; x = 1.0 / (x + 1.25) + (double)(a & 7) * 0x1p-12;
#define STEP_B a ^= a << 13; a ^= a >> 7; a ^= a << 17; b += a; x = x * 0.999 + (double)(int)(b & 63);
#define STEP_C a = ((a >> 3) | (a << 61)) + b; b = b * 31 + (a & 0xff); x = x / (1.0 + (double)(b & 3) * 0.125) + 0.5;
#define STEP_D a += b * 0x2545F4914F6CDD1Dull; b = (b ^ a) + 0x632BE59BD9B4E019ull; x = x * 0.75 + 1.0 / (2.0 + x);

#define WORKER(name, step)                                                                 \
    __attribute__((noinline, noclone, section("prof_" #name)))                             \
    static void name(uint64_t *state, double *value, int iterations) {                     \
        uint64_t a = state[0], b = state[1];                                               \
        double x = *value;                                                                 \
        for (int i = 0; i < iterations; i++) { R128(step) }                                \
        state[0] = a; state[1] = b; *value = x;                                            \
    }                                                                                      \
    extern char __start_prof_##name[], __stop_prof_##name[];

WORKER(work_a, STEP_A)
WORKER(work_b, STEP_B)
WORKER(work_c, STEP_C)
WORKER(work_d, STEP_D)

struct result { uint64_t state[4][2]; double value[4]; };

static void run(struct result *r) {
    for (int w = 0; w < 4; w++) { r->state[w][0] = 0x1234567 + w; r->state[w][1] = 99 * w + 1; r->value[w] = 1.0 + w; }
    for (int round = 0; round < ROUNDS; round++) {
        work_a(r->state[0], &r->value[0], ITERATIONS);
        work_b(r->state[1], &r->value[1], ITERATIONS);
        work_c(r->state[2], &r->value[2], ITERATIONS);
        work_d(r->state[3], &r->value[3], ITERATIONS);
    }
}

int main(void) {
    static const char *const names[4] = { "work_a", "work_b", "work_c", "work_d" };
    char *const starts[4] = { __start_prof_work_a, __start_prof_work_b, __start_prof_work_c, __start_prof_work_d };
    char *const stops[4] = { __stop_prof_work_a, __stop_prof_work_b, __stop_prof_work_c, __stop_prof_work_d };

    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_prof;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&action.sa_mask);
    CHECK(sigaction(SIGPROF, &action, NULL) == 0, "sigaction");

    struct result sampled;
    struct itimerval timer = { { 0, 1000 }, { 0, 1000 } };
    CHECK(setitimer(ITIMER_PROF, &timer, NULL) == 0, "setitimer");
    run(&sampled);
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    CHECK(setitimer(ITIMER_PROF, &off, NULL) == 0, "setitimer (disarm)");
    int n = samples;

    int histogram[5] = { 0 };
    for (int i = 0; i < n; i++) {
        int w = 0;
        while (w < 4 && !(rips[i] >= starts[w] && rips[i] < stops[w])) w++;
        histogram[w]++;
    }
    printf("samples: %d (dropped %d)\n", n, dropped);
    for (int w = 0; w < 4; w++) printf("%s: %d\n", names[w], histogram[w]);
    printf("elsewhere: %d\n", histogram[4]);
    for (int i = 0; i < n; i++) {
        int w = 0;
        while (w < 4 && !(rips[i] >= starts[w] && rips[i] < stops[w])) w++;
        if (w < 4) printf("sample %d: %s+0x%lx\n", i, names[w], (unsigned long)(rips[i] - starts[w]));
        else printf("sample %d: %p\n", i, (void *)rips[i]);
    }

    struct result quiet;
    run(&quiet);
    int same = memcmp(&quiet, &sampled, sizeof quiet) == 0;
    printf("results: %016llx %016llx %016llx %016llx\n", (unsigned long long)sampled.state[0][0],
           (unsigned long long)sampled.state[1][0], (unsigned long long)sampled.state[2][0],
           (unsigned long long)sampled.state[3][0]);
    printf("values: %.17g %.17g %.17g %.17g\n", sampled.value[0], sampled.value[1], sampled.value[2], sampled.value[3]);
    printf("same result without the timer: %s\n", same ? "yes" : "no");
    if (!same) { printf("FAIL results differ with the timer\n"); return 3; }
    if (n == 0) { printf("FAIL no SIGPROF\n"); return 3; }
    return 0;
}
