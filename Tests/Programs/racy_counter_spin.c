/* racy_counter_spin: 4 threads each do K (default 2000) non-atomic increments of a shared
 * volatile counter (load, ~0.5 us of straight-line work, store) with no syscall in the loop, so
 * updates are lost only when threads run in parallel or one is preempted in user code between
 * its load and its store. Prints the final counter and the number of lost updates (not a
 * failure); replay must reproduce the same number.
 *
 * Usage: racy_counter_spin [K] [--assert]
 *   --assert  exit 1 when updates were lost (an order-dependent assertion, for chaos-mode
 *             tests); without it the program exits 0 whatever the count.
 * Every instruction of the loop runs K times per thread; keep K at most ~20000. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)
#define PT(call, what) do { int e_ = (call); if (e_) { errno = e_; CHECK(0, what); } } while (0)

#define THREADS 4

#define R4(s) s s s s
#define R64(s) R4(R4(R4(s)))
#define SLOW_STEP x = 1.0 / (x + 1.5) + 0.001;  /* dependent divisions, ~7 ns each */

static volatile long counter;
static long iterations = 2000;
static pthread_barrier_t start;  /* the threads start together (futex, before the racy loop) */

static void *worker(void *arg) {
    double x = 0.1 * (long)arg;
    int e = pthread_barrier_wait(&start);
    if (e != 0 && e != PTHREAD_BARRIER_SERIAL_THREAD) { errno = e; CHECK(0, "pthread_barrier_wait"); }
    for (long i = 0; i < iterations; i++) {
        long v = counter;
        R64(SLOW_STEP)  /* the window in which another thread's updates get lost */
        counter = v + 1;
        R64(SLOW_STEP)
    }
    return (void *)(long)(x * 1e6);
}

int main(int argc, char **argv) {
    int assert_mode = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--assert") == 0) { assert_mode = 1; continue; }
        char *end;
        long k = strtol(argv[i], &end, 10);
        if (*end || k <= 0) { fprintf(stderr, "usage: racy_counter_spin [K] [--assert]\n"); return 2; }
        iterations = k;
    }
    PT(pthread_barrier_init(&start, NULL, THREADS), "pthread_barrier_init");
    pthread_t threads[THREADS];
    for (long t = 0; t < THREADS; t++) PT(pthread_create(&threads[t], NULL, worker, (void *)t), "pthread_create");
    long check = 0;
    for (int t = 0; t < THREADS; t++) {
        void *result;
        PT(pthread_join(threads[t], &result), "pthread_join");
        check += (long)result;
    }
    long want = THREADS * iterations, got = counter;
    printf("%d threads x %ld increments: final counter %ld (expected %ld)\n", THREADS, iterations, got, want);
    printf("lost %ld updates\n", want - got);
    printf("work result %ld\n", check);
    CHECK(got >= 1 && got <= want, "counter in range");
    if (assert_mode && got != want) {
        printf("assertion: counter is %ld, not %ld\n", got, want);
        return 1;
    }
    return 0;
}
