/* reverse_target: a recursive function, for the gdb server's tests of going backwards
 * (reverse-step, reverse-next, reverse-finish, reverse-stepi, reverse-continue). Prints each
 * level's result on the way back up. With an argument it then stores through a NULL pointer
 * in a function of its own and dies by SIGSEGV (shell status 139). */
#include <stdio.h>
#include <stddef.h>
#include <sys/resource.h>

__attribute__((noinline)) int depth_sum(int n) {
    if (n == 0) return 0;
    int below = depth_sum(n - 1);
    printf("level %d below %d\n", n, below);
    return below + n;
}

__attribute__((noinline)) void store_through(volatile int *p, int value) {
    *p = value;
}

int main(int argc, char **argv) {
    (void)argv;
    int total = depth_sum(4);
    printf("sum %d\n", total);
    fflush(stdout);
    if (argc > 1) {
        struct rlimit none = { 0, 0 };
        setrlimit(RLIMIT_CORE, &none);  /* no core file in the working directory */
        store_through(NULL, total);
    }
    return 0;
}
