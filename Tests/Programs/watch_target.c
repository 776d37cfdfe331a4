/* watch_target: a global changed in three places, each in a function of its own, and read in a
 * fourth, for the gdb server's watchpoint tests; prints the values it went through. */
#include <stdio.h>

volatile long watched;

__attribute__((noinline)) void set_first(void) { watched = 11; }
__attribute__((noinline)) void add_second(void) { watched += 20; }
__attribute__((noinline)) void triple_third(void) { watched *= 3; }
__attribute__((noinline)) long read_fourth(void) { return watched + 1; }

int main(void) {
    set_first();
    printf("first %ld\n", watched);
    add_second();
    printf("second %ld\n", watched);
    triple_third();
    printf("third %ld\n", watched);
    printf("read %ld\n", read_fourth());
    return 0;
}
