/* hot_loop_signals: a 1 kHz ITIMER_PROF sampler over ~100 ms of CPU spent in tight loops of a
 * few instructions that make no syscalls, so every sample lands on an instruction the thread
 * has run up to a million times since its previous event, with registers that differ at each
 * visit (loop counters, a running hash, a double). The loops: an xorshift hash, a
 * floating-point recurrence, a loop calling a small function (samples land in the callee and
 * at its return too), and `rep stosb` / `rep movsb` over 4 MiB (as glibc's memset and memcpy
 * for large sizes: a sample there interrupts the instruction between two iterations), and a
 * counter kept in memory whose loop leaves every register as it found it at its head (as an
 * interpreter's loop keeps its state in heap objects: only the memory the registers point at
 * tells the visits apart). The handler folds the interrupted general-purpose registers and flags
 * and the memory counter into a digest and counts samples per loop; main prints them with the
 * loops' results, which are checked against a run without the timer. Replay must deliver each
 * SIGPROF at the same instruction of the same iteration, and must find it quickly (the
 * replayer's search trampoline: a debug-register trap at each visit would take minutes). */
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

static volatile uint64_t register_digest;
static volatile int samples;
static volatile uint64_t memory_counter;

static void on_prof(int signal, siginfo_t *info, void *context) {
    (void)signal; (void)info;
    const ucontext_t *uc = context;
    uint64_t hash = register_digest;
    for (int index = REG_R8; index <= REG_EFL; index++) {
        hash = (hash ^ (uint64_t)uc->uc_mcontext.gregs[index]) * 0x100000001b3ull;
    }
    /* In the memory loop the registers repeat: only the counter tells samples there apart. */
    hash = (hash ^ memory_counter) * 0x100000001b3ull;
    register_digest = hash;
    samples++;
}

static uint64_t xorshift_loop(uint64_t x, long rounds) {
    for (long i = 0; i < rounds; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    return x;
}

static double float_loop(double d, long rounds) {
    for (long i = 0; i < rounds; i++) d = d * 1.0000001 + 1e-9;
    return d;
}

__attribute__((noinline)) static uint64_t mix(uint64_t value, uint64_t salt) {
    value += salt;
    return value ^ (value >> 31);
}

static uint64_t calling_loop(uint64_t x, long rounds) {
    for (long i = 0; i < rounds; i++) x = mix(x, (uint64_t)i);
    return x;
}

/* At the loop head rax is zero and the flags are those of a taken jb at every visit: the
 * iterations differ only in *count. */
static uint64_t memory_loop(volatile uint64_t *count, uint64_t rounds) {
    __asm__ volatile(
        "1:\n\t"
        "movq (%0), %%rax\n\t"
        "addq $1, %%rax\n\t"
        "movq %%rax, (%0)\n\t"
        "xorl %%eax, %%eax\n\t"
        "cmpq %1, (%0)\n\t"
        "jb 1b\n\t"
        : : "r"(count), "r"(rounds) : "rax", "cc", "memory");
    return *count;
}

static unsigned char source[4 << 20], copy[4 << 20];

static uint64_t repeated_moves(int rounds) {
    uint64_t sum = 0;
    for (int round = 0; round < rounds; round++) {
        void *to = source;
        size_t count = sizeof source;
        int value = round;
        __asm__ volatile("rep stosb" : "+D"(to), "+c"(count) : "a"(value) : "memory");
        to = copy;
        const void *from = source;
        count = sizeof copy;
        __asm__ volatile("rep movsb" : "+D"(to), "+S"(from), "+c"(count) : : "memory");
        sum += copy[round * 4099 % sizeof copy] + (uint64_t)round;
    }
    return sum;
}

struct results {
    uint64_t hash, calls, moves, counted;
    double value;
};

static struct results work(void) {
    struct results r = {1, 7, 0, 0, 1.0};
    memory_counter = 0;
    for (int round = 0; round < 4; round++) {
        r.hash = xorshift_loop(r.hash + (uint64_t)round, 8000000);
        r.value = float_loop(r.value, 2000000);
        r.calls = calling_loop(r.calls, 3000000);
        r.moves += repeated_moves(8);
        r.counted = memory_loop(&memory_counter, (uint64_t)(round + 1) * 4000000);
    }
    return r;
}

int main(void) {
    struct results quiet = work();

    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_prof;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&action.sa_mask);
    CHECK(sigaction(SIGPROF, &action, NULL) == 0, "sigaction");
    struct itimerval every_ms = {{0, 1000}, {0, 1000}};
    CHECK(setitimer(ITIMER_PROF, &every_ms, NULL) == 0, "setitimer");
    struct results sampled = work();
    struct itimerval off = {{0, 0}, {0, 0}};
    CHECK(setitimer(ITIMER_PROF, &off, NULL) == 0, "setitimer off");

    if (quiet.hash != sampled.hash || quiet.calls != sampled.calls || quiet.moves != sampled.moves
        || quiet.counted != sampled.counted || quiet.value != sampled.value) {
        printf("FAIL results differ with the timer\n");
        return 1;
    }
    printf("hash %016llx calls %016llx moves %llu counted %llu value %.17g\n", (unsigned long long)sampled.hash,
           (unsigned long long)sampled.calls, (unsigned long long)sampled.moves, (unsigned long long)sampled.counted,
           sampled.value);
    printf("%d samples, register digest %016llx\n", samples, (unsigned long long)register_digest);
    if (samples < 10) {
        printf("FAIL only %d samples\n", samples);
        return 1;
    }
    return 0;
}
