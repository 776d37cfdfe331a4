/* sigprof_cpu: the "single-thread CPU-bound C program interrupted by a 1 kHz SIGPROF timer" row of
 * make bench. Ordinary compiled loops (a sieve, an integer hash over an array, a small matrix
 * product), nothing arranged to suit the recorder: ITIMER_PROF fires every 1000 us of CPU time
 * and the handler counts the interrupted rip into a histogram by function, printed at the end. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <ucontext.h>

enum { SIEVE, HASH, MATRIX, OTHER, KINDS };
static const char *names[KINDS] = { "sieve", "hash", "matrix", "other" };
static volatile long histogram[KINDS];

static void sieve(void), hash(void), matrix(void);
static void sieve_end(void), hash_end(void), matrix_end(void);

static int in(uintptr_t rip, void (*start)(void), void (*end)(void)) {
    return rip >= (uintptr_t)start && rip < (uintptr_t)end;
}

static void on_prof(int signal, siginfo_t *info, void *context) {
    (void)signal; (void)info;
    uintptr_t rip = (uintptr_t)((ucontext_t *)context)->uc_mcontext.gregs[REG_RIP];
    int kind = in(rip, sieve, sieve_end) ? SIEVE : in(rip, hash, hash_end) ? HASH
             : in(rip, matrix, matrix_end) ? MATRIX : OTHER;
    histogram[kind]++;
}

#define PRIMES_UP_TO 2000000
static char composite[PRIMES_UP_TO];
static long primes;
__attribute__((noinline)) static void sieve(void) {
    memset(composite, 0, sizeof composite);
    primes = 0;
    for (long i = 2; i < PRIMES_UP_TO; i++) {
        if (composite[i]) continue;
        primes++;
        for (long j = i * i; j < PRIMES_UP_TO; j += i) composite[j] = 1;
    }
}
__attribute__((noinline)) static void sieve_end(void) {}

#define WORDS (1 << 16)
static uint64_t words[WORDS], digest;
__attribute__((noinline)) static void hash(void) {
    for (int round = 0; round < 40; round++)
        for (int i = 0; i < WORDS; i++) {
            words[i] = words[i] * 0x9E3779B97F4A7C15ull + (words[i] >> 29) + (uint64_t)i;
            digest ^= words[i];
        }
}
__attribute__((noinline)) static void hash_end(void) {}

#define N 96
static double a[N][N], b[N][N], c[N][N];
__attribute__((noinline)) static void matrix(void) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int k = 0; k < N; k++) s += a[i][k] * b[k][j];
            c[i][j] = s;
        }
}
__attribute__((noinline)) static void matrix_end(void) {}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 20;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) a[i][j] = (i + 1) * 0.5 + j, b[i][j] = (j + 2) * 0.25 - i;
    struct sigaction action = { .sa_sigaction = on_prof, .sa_flags = SA_SIGINFO | SA_RESTART };
    sigaction(SIGPROF, &action, NULL);
    struct itimerval every_ms = { { 0, 1000 }, { 0, 1000 } };
    setitimer(ITIMER_PROF, &every_ms, NULL);
    for (int r = 0; r < rounds; r++) { sieve(); hash(); matrix(); }
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_PROF, &off, NULL);
    long total = 0;
    for (int k = 0; k < KINDS; k++) total += histogram[k];
    printf("primes %ld, digest %016llx, c[5][7] %.6g\n", primes, (unsigned long long)digest, c[5][7]);
    printf("%ld samples:", total);
    for (int k = 0; k < KINDS; k++) printf(" %s %ld", names[k], histogram[k]);
    printf("\n");
    return 0;
}
