/* A program for the gdb server's tests: two levels of calls below main, whose arguments,
 * locals and results it prints, so that a debugger's view of them can be compared with what
 * the recording printed. Exits with 5. */
#include <stdio.h>

__attribute__((noinline)) int scale(int value, int factor) {
    volatile int product = value * factor;
    printf("scale %d %d -> %d\n", value, factor, product);
    return product;
}

__attribute__((noinline)) int accumulate(int count) {
    int total = 0;
    for (int i = 1; i <= count; i++) total += scale(i + 4, 3);
    printf("total %d\n", total);
    return total;
}

int main(void) {
    int total = accumulate(3);
    fflush(stdout);
    return total % 7 == 5 ? 5 : 1;
}
