/* racy_counter4: the "4 threads computing with a shared racy counter" row of make bench. Each
 * thread computes (an integer hash chain) and adds to a shared counter with a plain, non-atomic
 * increment, so updates get lost depending on the interleaving. Prints the final counter, which
 * replay must reproduce exactly, and the lost updates. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define THREADS 4
static volatile long counter;
static long iterations = 2000000;

static void *worker(void *arg) {
    uint64_t mine = (uintptr_t)arg + 1;
    for (long i = 0; i < iterations; i++) {
        for (int k = 0; k < 8; k++) mine = mine * 0x9E3779B97F4A7C15ull + (mine >> 31);
        counter = counter + 1;
    }
    return (void *)(uintptr_t)mine;
}

int main(int argc, char **argv) {
    if (argc > 1) iterations = atol(argv[1]);
    pthread_t threads[THREADS];
    for (long t = 0; t < THREADS; t++) pthread_create(&threads[t], NULL, worker, (void *)t);
    uint64_t check = 0;
    for (int t = 0; t < THREADS; t++) {
        void *result;
        pthread_join(threads[t], &result);
        check ^= (uint64_t)(uintptr_t)result;
    }
    long want = THREADS * iterations;
    printf("counter %ld of %ld (%ld updates lost), checksum %016llx\n", counter, want, want - counter,
           (unsigned long long)check);
    return 0;
}
