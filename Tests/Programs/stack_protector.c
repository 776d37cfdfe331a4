/* stack_protector: built with -fstack-protector-all, so every function reads
 * the canary from %fs:0x28 (initialised by libc from AT_RANDOM). Prints the
 * canary and checks it matches the one the prologue saved. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

static unsigned long canary(void) {
    unsigned long c;
    __asm__ volatile("mov %%fs:0x28, %0" : "=r"(c));
    return c;
}

/* A local buffer: the prologue stores the canary, the epilogue checks it. */
static __attribute__((noinline)) unsigned sum_words(const char *s) {
    char buf[64];
    unsigned h = 0;
    strncpy(buf, s, sizeof buf - 1);
    buf[sizeof buf - 1] = 0;
    for (char *w = strtok(buf, " "); w; w = strtok(NULL, " ")) h = h * 31 + (unsigned)strlen(w);
    return h;
}

int main(void) {
    unsigned long c = canary();
    printf("canary = %016lx\n", c);
    /* glibc zeroes the low byte so string overflows can't copy past it. */
    printf("low byte zero: %s\n", (c & 0xff) == 0 ? "yes" : "no");
    if ((c & 0xff) != 0 || c == 0) { printf("FAIL unexpected canary\n"); exit(3); }

    /* glibc derives the canary from AT_RANDOM bytes 0..7 (low byte cleared). */
    unsigned long r;
    memcpy(&r, (const void *)getauxval(AT_RANDOM), sizeof r);
    printf("canary derived from AT_RANDOM: %s\n", (r & ~0xffUL) == c ? "yes" : "no");

    printf("sum_words = %u\n", sum_words("the quick brown fox jumps over the lazy dog"));
    printf("canary unchanged: %s\n", canary() == c ? "yes" : "no");
    fprintf(stderr, "stack_protector: canary %016lx\n", c);
    return 0;
}
