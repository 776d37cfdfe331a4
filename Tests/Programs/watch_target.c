/* watch_target: a global changed in three places, each in a function of its own, and read in a
 * fourth, for the gdb server's watchpoint tests; then another filled by read(2) from a pipe (a
 * write by the kernel, which replay makes through ptrace when the call is not buffered). Prints
 * the values it went through. */
#include <stdio.h>
#include <unistd.h>

volatile long watched;
long from_pipe;

__attribute__((noinline)) void set_first(void) { watched = 11; }
__attribute__((noinline)) void add_second(void) { watched += 20; }
__attribute__((noinline)) void triple_third(void) { watched *= 3; }
__attribute__((noinline)) long read_fourth(void) { return watched + 1; }

__attribute__((noinline)) void fill_from_pipe(void) {
    int fds[2];
    long sent = 42;
    if (pipe(fds) != 0 || write(fds[1], &sent, sizeof sent) != sizeof sent) return;
    if (read(fds[0], &from_pipe, sizeof from_pipe) != sizeof from_pipe) from_pipe = -1;
}

int main(void) {
    set_first();
    printf("first %ld\n", watched);
    add_second();
    printf("second %ld\n", watched);
    triple_third();
    printf("third %ld\n", watched);
    printf("read %ld\n", read_fourth());
    fill_from_pipe();
    printf("pipe %ld\n", from_pipe);
    return 0;
}
