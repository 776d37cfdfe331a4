/* Built with AddressSanitizer (Makefile.inc). Its runtime must come first in the initial library
 * list, and its LeakSanitizer stops the world at exit with a thread made by clone(CLONE_UNTRACED)
 * that ptrace-attaches to the others. Modes (argv[1]):
 *   overflow  a heap buffer overflow: ASan's report on stderr, exit 1;
 *   leak      a leaked allocation: LeakSanitizer's report (or its refusal to run under a tracer);
 *   anything else, or none: a few lines of output and a clean exit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Allocates and forgets; the pointer is gone once the frame is overwritten. */
__attribute__((noinline)) static void leak(void) {
    char *block = malloc(4096);
    memset(block, 1, 4096);
    __asm__ volatile("" : : "r"(block) : "memory");
}

__attribute__((noinline)) static void overwrite_stack(void) {
    volatile char scratch[256];
    memset((char *)scratch, 0, sizeof scratch);
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "clean";
    char *buffer = malloc(16);
    strcpy(buffer, "sanitized");
    printf("mode %s, buffer %s\n", mode, buffer);
    fflush(stdout);
    if (strcmp(mode, "overflow") == 0) {
        volatile int index = 16;
        buffer[index] = 'x';  /* one past the end */
    }
    if (strcmp(mode, "leak") == 0) {
        leak();
        overwrite_stack();
    }
    free(buffer);
    printf("done\n");
    return 0;
}
