/* file_mmap: write a file, mmap it MAP_PRIVATE read-only and checksum it,
 * mmap it at a page offset, then mmap it PROT_READ|PROT_WRITE private,
 * modify it and verify the file itself is unchanged (copy-on-write). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)
#define SIZE (5 * 4096 + 123)   /* deliberately not page aligned */

static char path[64];
static void cleanup(void) { unlink(path); }

static uint32_t checksum(const unsigned char *p, size_t n) {
    uint32_t h = 2166136261u;  /* FNV-1a */
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
    return h;
}

int main(void) {
    snprintf(path, sizeof path, "/tmp/rrtest_file_mmap_%d", (int)getpid());
    atexit(cleanup);
    long page = sysconf(_SC_PAGESIZE);

    static unsigned char data[SIZE];
    for (size_t i = 0; i < SIZE; i++) data[i] = (unsigned char)(i * 7 + (i >> 8));
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    CHECK(fd >= 0, "open");
    CHECK(write(fd, data, SIZE) == SIZE, "write");
    printf("wrote %d bytes, checksum %08x\n", SIZE, checksum(data, SIZE));

    unsigned char *m = mmap(NULL, SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(m != MAP_FAILED, "mmap read-only");
    printf("read-only mapping checksum %08x, matches: %s\n", checksum(m, SIZE),
           memcmp(m, data, SIZE) == 0 ? "yes" : "no");
    CHECK(memcmp(m, data, SIZE) == 0, "mapped content");
    /* Bytes past EOF in the last page read as zero. */
    CHECK(m[SIZE] == 0 && m[SIZE + 100] == 0, "zero fill past EOF");
    CHECK(munmap(m, SIZE) == 0, "munmap");

    /* Map starting at page 2. */
    m = mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, 2 * page);
    CHECK(m != MAP_FAILED, "mmap with offset");
    printf("offset mapping page 2 matches: %s\n", memcmp(m, data + 2 * page, page) == 0 ? "yes" : "no");
    CHECK(memcmp(m, data + 2 * page, page) == 0, "offset mapping content");
    CHECK(munmap(m, page) == 0, "munmap offset");

    /* Private writable mapping: writes are visible in memory only. */
    m = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(m != MAP_FAILED, "mmap private rw");
    for (size_t i = 0; i < SIZE; i += 1000) m[i] ^= 0xff;
    memcpy(m + 4096, "PRIVATE", 7);
    uint32_t mod = checksum(m, SIZE);
    printf("modified private mapping checksum %08x\n", mod);
    CHECK(mod != checksum(data, SIZE), "modification visible");
    unsigned char back[16];
    CHECK(pread(fd, back, 7, 4096) == 7, "pread");
    printf("file at 4096 after private write still original: %s\n",
           memcmp(back, data + 4096, 7) == 0 ? "yes" : "no");
    CHECK(memcmp(back, data + 4096, 7) == 0, "file unchanged");
    CHECK(munmap(m, SIZE) == 0, "munmap rw");

    /* Mapping survives closing the fd. */
    m = mmap(NULL, SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(m != MAP_FAILED, "mmap again");
    close(fd);
    printf("after close, checksum %08x\n", checksum(m, SIZE));
    CHECK(munmap(m, SIZE) == 0, "munmap final");

    CHECK(unlink(path) == 0, "unlink");
    fprintf(stderr, "file_mmap: done\n");
    return 0;
}
