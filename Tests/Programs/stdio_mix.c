/* stdio_mix: interleaved stdout/stderr through stdio (with explicit flushes)
 * and raw write(2), then ~200 KB on stdout so output spans many writes
 * (and pipe-buffer refills if stdout is a pipe). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void raw(int fd, const char *s) {
    size_t n = strlen(s);
    if (write(fd, s, n) != (ssize_t)n) { printf("FAIL write\n"); exit(3); }
}

int main(void) {
    for (int i = 0; i < 5; i++) {
        printf("stdout line %d\n", i);
        fflush(stdout);
        fprintf(stderr, "stderr line %d\n", i);  /* stderr is unbuffered */
        raw(1, "raw write to fd 1\n");
        raw(2, "raw write to fd 2\n");
    }

    /* Unflushed stdio data goes out after later raw writes. */
    printf("buffered stdout text (appears after the raw line when stdout is not a tty)\n");
    raw(1, "raw line written while stdio buffer is pending\n");
    fflush(stdout);

    /* Large output: 2500 lines of 80 bytes = 200000 bytes. */
    long total = 0;
    for (int i = 0; i < 2500; i++) {
        char line[81];
        int n = snprintf(line, sizeof line, "%06d ", i);
        for (; n < 79; n++) line[n] = (char)('A' + (i + n) % 26);
        line[79] = '\n';
        line[80] = 0;
        total += fputs(line, stdout) >= 0 ? 80 : 0;
    }
    /* One big raw write as well. */
    static char block[16384];
    memset(block, '.', sizeof block);
    block[sizeof block - 1] = '\n';
    fflush(stdout);
    if (write(1, block, sizeof block) != sizeof block) { printf("FAIL big write\n"); exit(3); }
    total += sizeof block;

    printf("total bytes in bulk section: %ld\n", total);
    fprintf(stderr, "stdio_mix: wrote %ld bulk bytes\n", total);
    return 0;
}
