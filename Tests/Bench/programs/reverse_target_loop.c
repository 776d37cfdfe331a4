/* reverse_target_loop: EVENTS getppid() calls (one traced event each when recorded with -n), a
 * global written near the start and near the end, then a function where the reverse-execution
 * benchmark stops before going back to each write. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

volatile long progress;

__attribute__((noinline)) void finish_line(void) { __asm__ volatile("" ::: "memory"); }

int main(int argc, char **argv) {
    long events = argc > 1 ? atol(argv[1]) : 1000000;
    long sum = 0;
    for (long i = 0; i < events; i++) {
        if (i == 10 || i == events - 10) progress = i;
        sum += getppid();
    }
    finish_line();
    printf("%ld %ld\n", progress, sum != 0);
    return 0;
}
