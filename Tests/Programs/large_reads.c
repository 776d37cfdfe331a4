/* large_reads: reads of a 3 MiB file large enough to go into the trace by content (read,
 * pread64, readv with a large and a small buffer, preadv), a file whose two 1 MiB halves are
 * identical (the same stored piece twice), and a large read from a pipe (kept inline). Prints
 * a checksum of every buffer, computed from what the read left in memory. The file is made
 * the same on every run, so a second recording finds its pieces in the block cache. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

enum { MIB = 1 << 20, FILE_SIZE = 3 * MIB };

static char path[64];
static void cleanup(void) { unlink(path); }

static uint64_t checksum(const unsigned char *bytes, size_t length) {
    uint64_t hash = 1469598103934665603ULL;  /* FNV-1a */
    for (size_t i = 0; i < length; i++) hash = (hash ^ bytes[i]) * 1099511628211ULL;
    return hash;
}

static void fill(unsigned char *bytes, size_t length, uint32_t seed) {
    for (size_t i = 0; i < length; i++) {
        seed = seed * 1103515245u + 12345u;
        bytes[i] = (unsigned char)(seed >> 16);
    }
}

int main(void) {
    snprintf(path, sizeof path, "/tmp/rrtest_large_reads_%d", (int)getpid());
    atexit(cleanup);
    unsigned char *content = malloc(FILE_SIZE), *buffer = malloc(FILE_SIZE + 1), *small = malloc(4096);
    CHECK(content && buffer && small, "malloc");
    fill(content, MIB, 7);
    memcpy(content + MIB, content, MIB);  /* the second MiB repeats the first */
    fill(content + 2 * MIB, MIB, 11);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0, "open");
    CHECK(write(fd, content, FILE_SIZE) == FILE_SIZE, "write");

    CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek");
    memset(buffer, 0, FILE_SIZE + 1);
    ssize_t n = read(fd, buffer, FILE_SIZE + 1);
    CHECK(n == FILE_SIZE && memcmp(buffer, content, FILE_SIZE) == 0, "read whole file");
    printf("read %zd bytes, checksum %016llx\n", n, (unsigned long long)checksum(buffer, n));

    memset(buffer, 0, FILE_SIZE);
    n = pread(fd, buffer, 2 * MIB, MIB / 2 + 3);  /* pieces not aligned to the file's MiBs */
    CHECK(n == 2 * MIB && memcmp(buffer, content + MIB / 2 + 3, n) == 0, "pread");
    printf("pread %zd bytes, checksum %016llx\n", n, (unsigned long long)checksum(buffer, n));

    memset(buffer, 0, FILE_SIZE);
    CHECK(lseek(fd, 100, SEEK_SET) == 100, "lseek");
    struct iovec vectors[2] = {{small, 4096}, {buffer, 200000}};
    n = readv(fd, vectors, 2);
    CHECK(n == 204096 && memcmp(small, content + 100, 4096) == 0 && memcmp(buffer, content + 4196, 200000) == 0, "readv");
    printf("readv %zd bytes, checksums %016llx %016llx\n", n, (unsigned long long)checksum(small, 4096),
           (unsigned long long)checksum(buffer, 200000));

    memset(buffer, 0, FILE_SIZE);
    struct iovec whole = {buffer, FILE_SIZE};
    n = preadv(fd, &whole, 1, MIB);
    CHECK(n == 2 * MIB && memcmp(buffer, content + MIB, n) == 0, "preadv");
    printf("preadv %zd bytes, checksum %016llx\n", n, (unsigned long long)checksum(buffer, n));
    close(fd);

    int pipes[2];
    CHECK(pipe(pipes) == 0, "pipe");
    pid_t child = fork();
    CHECK(child >= 0, "fork");
    if (child == 0) {
        close(pipes[0]);
        ssize_t written = write(pipes[1], content, 60000);  /* fits the pipe, arrives in one read */
        _exit(written == 60000 ? 0 : 1);
    }
    close(pipes[1]);
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer child");
    memset(buffer, 0, FILE_SIZE);
    n = read(pipes[0], buffer, 65536);
    CHECK(n == 60000 && memcmp(buffer, content, n) == 0, "read from a pipe");
    printf("pipe read %zd bytes, checksum %016llx\n", n, (unsigned long long)checksum(buffer, n));
    return 0;
}
