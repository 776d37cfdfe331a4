/* Built with UndefinedBehaviorSanitizer (Makefile.inc): a signed overflow and an oversized shift,
 * each reported on stderr as a "runtime error" naming this file's line; the program goes on and
 * exits 0. The operands come from argc so that the compiler cannot fold them. */
#include <limits.h>
#include <stdio.h>

int main(int argc, char **argv) {
    (void)argv;
    int sum = INT_MAX - 1 + argc;
    sum += argc;
    int shift = argc + 31;
    printf("%d %d\n", sum, 1 << shift);
    return 0;
}
