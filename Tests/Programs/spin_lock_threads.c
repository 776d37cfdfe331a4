/* spin_lock_threads: threads contend on a spin lock made from an atomic flag
 * (__atomic_test_and_set / __atomic_clear; no futex, no sched_yield, no syscall while contending):
 * first 2 threads, then 4. Each takes the lock 400 times, checks inside that it is alone (an owner
 * field) and increments a plain shared counter; the final counter must be the exact total.
 * Under recording a thread may be preempted while it holds the lock, and the others spin until
 * the recorder preempts them too; replay must reproduce every switch.
 *
 * The spin loop's body, the critical section and the work between acquisitions are long
 * straight-line code (a chain of dependent divisions makes a spin iteration take ~2 us), so no
 * instruction runs more than ~20,000 times in 40 ms of spinning, and the work outside the lock runs
 * only 400 * 4 times per thread. The number of spin iterations depends on the scheduling (replay
 * must reproduce it); the counter and the checksum do not. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)
#define PT(call, what) do { int e_ = (call); if (e_) { errno = e_; CHECK(0, what); } } while (0)

#define ACQUISITIONS 400
#define MAX_THREADS 4
#define OUTSIDE_ROUNDS 4

#define R4(s) s s s s
#define R16(s) R4(R4(s))
#define R64(s) R4(R16(s))
#define R128(s) R64(s) R64(s)
/* A dependent chain: each division waits for the previous one. */
#define SLOW_STEP x = 1.0 / (x + 1.5) + 0.001;
#define INT_STEP a = a * 0x9E3779B97F4A7C15ull + (a >> 23);

static char lock_flag;
static volatile int owner = -1;
static long counter;          /* protected by the lock */
static volatile int violations;
static volatile long spins[MAX_THREADS];
static volatile double sink;
static pthread_barrier_t start;  /* the threads start contending together (futex, before any spinning) */

static void lock(int id) {
    double x = 0.5 + id;
    long n = 0;
    while (__atomic_test_and_set(&lock_flag, __ATOMIC_ACQUIRE)) {
        R128(SLOW_STEP) R128(SLOW_STEP)  /* ~2 us */
        n++;
    }
    spins[id] += n;
    sink = x;
}

static void unlock(void) { __atomic_clear(&lock_flag, __ATOMIC_RELEASE); }

struct worker { int id; uint64_t result; double value; };

static void *run(void *arg) {
    struct worker *w = arg;
    uint64_t a = 0x1000 + w->id;
    double x = 0.25 * w->id;
    int e = pthread_barrier_wait(&start);
    if (e != 0 && e != PTHREAD_BARRIER_SERIAL_THREAD) { errno = e; CHECK(0, "pthread_barrier_wait"); }
    for (int i = 0; i < ACQUISITIONS; i++) {
        lock(w->id);
        if (owner != -1) violations++;
        owner = w->id;
        long v = counter;
        R16(INT_STEP) R128(SLOW_STEP)  /* some work (~1 us) while holding the lock */
        counter = v + 1;
        if (owner != w->id) violations++;
        owner = -1;
        unlock();
        for (int r = 0; r < OUTSIDE_ROUNDS; r++) { R16(INT_STEP) R128(SLOW_STEP) }  /* ~2.5 us */
    }
    w->result = a;
    w->value = x;
    return NULL;
}

static void contend(int threads) {
    pthread_t ids[MAX_THREADS];
    struct worker workers[MAX_THREADS];
    counter = 0;
    for (int t = 0; t < threads; t++) spins[t] = 0;
    PT(pthread_barrier_init(&start, NULL, threads), "pthread_barrier_init");
    for (int t = 0; t < threads; t++) {
        workers[t].id = t;
        PT(pthread_create(&ids[t], NULL, run, &workers[t]), "pthread_create");
    }
    for (int t = 0; t < threads; t++) PT(pthread_join(ids[t], NULL), "pthread_join");
    PT(pthread_barrier_destroy(&start), "pthread_barrier_destroy");
    long want = (long)threads * ACQUISITIONS;
    long spun = 0;
    for (int t = 0; t < threads; t++) spun += spins[t];
    printf("%d threads: counter %ld (expected %ld), mutual exclusion violations %d\n", threads, counter, want,
           (int)violations);
    printf("%d threads: spin iterations while the lock was taken: %ld\n", threads, spun);
    uint64_t check = 0;
    double total = 0;
    for (int t = 0; t < threads; t++) check ^= workers[t].result * (t + 1), total += workers[t].value;
    printf("%d threads: work checksum %016llx %.17g\n", threads, (unsigned long long)check, total);
    if (counter != want) { printf("FAIL counter %ld, expected %ld\n", counter, want); exit(3); }
    if (violations) { printf("FAIL %d mutual exclusion violations\n", (int)violations); exit(3); }
}

int main(void) {
    contend(2);
    contend(4);
    return 0;
}
