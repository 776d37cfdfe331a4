/* spin_lock4: the "4 threads contending on a spin lock" row of make bench. An ordinary
 * test-and-set lock (atomic exchange, `pause` while it is taken, no futex and no syscall), a
 * short critical section that updates shared state, and some private work between acquisitions.
 * Prints the shared counter (exact: the lock works) and a checksum of the private work. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define THREADS 4
static int lock_word;
static long counter;
static uint64_t shared_mix;
static long acquisitions = 200000;

static void lock(void) {
    while (__atomic_exchange_n(&lock_word, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&lock_word, __ATOMIC_RELAXED)) __builtin_ia32_pause();
}
static void unlock(void) { __atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE); }

static void *worker(void *arg) {
    uint64_t mine = (uintptr_t)arg + 1;
    for (long i = 0; i < acquisitions; i++) {
        lock();
        counter++;
        shared_mix = shared_mix * 31 + (uint64_t)i;
        unlock();
        for (int k = 0; k < 50; k++) mine = mine * 0x9E3779B97F4A7C15ull + (mine >> 31);
    }
    return (void *)(uintptr_t)mine;
}

int main(int argc, char **argv) {
    if (argc > 1) acquisitions = atol(argv[1]);
    pthread_t threads[THREADS];
    for (long t = 0; t < THREADS; t++) pthread_create(&threads[t], NULL, worker, (void *)t);
    uint64_t check = 0;
    for (int t = 0; t < THREADS; t++) {
        void *result;
        pthread_join(threads[t], &result);
        check ^= (uint64_t)(uintptr_t)result;
    }
    printf("counter %ld (expected %ld), private checksum %016llx\n", counter, THREADS * acquisitions,
           (unsigned long long)check);
    return counter == THREADS * acquisitions ? 0 : 1;
}
