/* proc_maps: read /proc/self/maps completely (it is generated on each read,
 * in page-sized chunks) and print it. Replay must reproduce the exact layout. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

int main(void) {
    int fd = open("/proc/self/maps", O_RDONLY);
    CHECK(fd >= 0, "open /proc/self/maps");
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    CHECK(buf != NULL, "malloc");
    int reads = 0;
    for (;;) {
        if (cap - len < 1024) { cap *= 2; buf = realloc(buf, cap); CHECK(buf != NULL, "realloc"); }
        ssize_t n = read(fd, buf + len, cap - len);
        CHECK(n >= 0, "read");
        reads++;
        if (n == 0) break;
        len += n;
    }
    close(fd);

    int lines = 0, stack = 0, heap = 0, vdso = 0;
    for (size_t i = 0; i < len; i++) lines += buf[i] == '\n';
    buf[len] = 0;  /* the loop always leaves >= 1024 bytes spare */
    stack = strstr(buf, "[stack]") != NULL;
    heap = strstr(buf, "[heap]") != NULL;
    vdso = strstr(buf, "[vdso]") != NULL;
    CHECK(len > 0 && lines > 3 && stack, "maps content");

    printf("/proc/self/maps: %zu bytes, %d lines, %d read calls\n", len, lines, reads);
    printf("has [stack]=%d [heap]=%d [vdso]=%d\n", stack, heap, vdso);
    fflush(stdout);
    CHECK(write(1, buf, len) == (ssize_t)len, "write maps");  /* raw dump */
    free(buf);
    fprintf(stderr, "proc_maps: %d lines\n", lines);
    return 0;
}
