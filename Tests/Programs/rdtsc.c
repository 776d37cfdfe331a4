/* rdtsc: the RDTSC and RDTSCP instructions (no syscall involved; a recorder
 * must trap or otherwise record them). Prints raw values and deltas. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <x86intrin.h>

int main(void) {
    unsigned long long t[5];
    for (int i = 0; i < 5; i++) t[i] = __rdtsc();
    for (int i = 0; i < 5; i++) printf("rdtsc[%d] = %llu\n", i, t[i]);
    for (int i = 1; i < 5; i++) {
        printf("delta[%d] = %llu\n", i, t[i] - t[i - 1]);
        if (t[i] <= t[i - 1]) { printf("FAIL rdtsc did not increase\n"); exit(3); }
    }

    unsigned int aux1, aux2;
    unsigned long long p1 = __rdtscp(&aux1);
    volatile unsigned long sum = 0;
    for (unsigned long i = 0; i < 100000; i++) sum += i;  /* some work between reads */
    unsigned long long p2 = __rdtscp(&aux2);
    /* TSC_AUX usually holds the CPU (and node) number. */
    printf("rdtscp = %llu (aux %u), later %llu (aux %u)\n", p1, aux1, p2, aux2);
    printf("rdtscp delta over 100000-iteration loop = %llu, sum = %lu\n", p2 - p1, sum);
    if (p2 <= p1 || p1 <= t[4]) { printf("FAIL rdtscp did not increase\n"); exit(3); }

    /* Mix in a value derived from the TSC so control flow depends on it. */
    printf("tsc parity decides: %s\n", (p2 & 1) ? "odd branch" : "even branch");
    fprintf(stderr, "rdtsc: last value %llu\n", p2);
    return 0;
}
