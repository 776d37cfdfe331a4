/* checkpoint_target: COUNT getppid() calls (one traced event each when recorded with -n), a
 * global written at three of them (a quarter, half way and near the end), then a function where
 * the checkpoint tests stop before going back to each write. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

volatile long progress;

__attribute__((noinline)) void finish_line(void) { __asm__ volatile("" ::: "memory"); }

int main(int argc, char **argv) {
    long count = argc > 1 ? atol(argv[1]) : 3000;
    long sum = 0;
    for (long i = 0; i < count; i++) {
        if (i == count / 4 || i == count / 2 || i == count - 5) progress = i;
        sum += getppid();
    }
    finish_line();
    printf("%ld %ld\n", progress, sum != 0);
    return 0;
}
