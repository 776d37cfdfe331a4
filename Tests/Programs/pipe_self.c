/* pipe_self: pipe/pipe2 within one process, dup/dup2/dup3, fcntl
 * (F_GETFD/F_SETFD, F_GETFL/F_SETFL O_NONBLOCK, F_DUPFD_CLOEXEC, F_GETPIPE_SZ). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

int main(void) {
    int p[2];
    char buf[256];
    CHECK(pipe(p) == 0, "pipe");
    printf("pipe fds: %d %d\n", p[0], p[1]);
    CHECK(write(p[1], "hello pipe", 10) == 10, "write");
    ssize_t n = read(p[0], buf, sizeof buf);
    CHECK(n == 10, "read");
    printf("read back: %.*s\n", (int)n, buf);
    CHECK((fcntl(p[0], F_GETFD) & FD_CLOEXEC) == 0, "pipe() fds are not cloexec");

    int q[2];
    CHECK(pipe2(q, O_CLOEXEC) == 0, "pipe2");
    printf("pipe2(O_CLOEXEC) cloexec flags: %d %d\n",
           !!(fcntl(q[0], F_GETFD) & FD_CLOEXEC), !!(fcntl(q[1], F_GETFD) & FD_CLOEXEC));
    CHECK(fcntl(q[0], F_GETFD) & FD_CLOEXEC, "pipe2 cloexec");

    /* dup: lowest free fd; writing through the duplicate reaches the same pipe. */
    int d = dup(p[1]);
    CHECK(d >= 0, "dup");
    int d2 = dup2(p[1], 50);
    CHECK(d2 == 50, "dup2");
    int d3 = dup3(p[1], 51, O_CLOEXEC);
    CHECK(d3 == 51, "dup3");
    printf("dup -> %d, dup2 -> %d, dup3 -> %d (cloexec %d)\n", d, d2, d3, !!(fcntl(d3, F_GETFD) & FD_CLOEXEC));
    CHECK(dup3(50, 50, 0) == -1 && errno == EINVAL, "dup3 same fd EINVAL");
    CHECK(dup2(50, 50) == 50, "dup2 same fd is a no-op");
    CHECK(write(d, "A", 1) == 1 && write(d2, "B", 1) == 1 && write(d3, "C", 1) == 1, "write via dups");
    n = read(p[0], buf, sizeof buf);
    CHECK(n == 3, "read via dups");
    printf("read via dups: %.*s\n", (int)n, buf);

    int fd = fcntl(p[0], F_DUPFD_CLOEXEC, 100);
    CHECK(fd >= 100, "F_DUPFD_CLOEXEC");
    printf("F_DUPFD_CLOEXEC(100) -> %d\n", fd);
    CHECK(fcntl(fd, F_SETFD, 0) == 0 && fcntl(fd, F_GETFD) == 0, "F_SETFD");

    /* Non-blocking read on an empty pipe fails with EAGAIN. */
    int fl = fcntl(p[0], F_GETFL);
    CHECK(fl >= 0, "F_GETFL");
    printf("F_GETFL access mode is O_RDONLY: %s\n", (fl & O_ACCMODE) == O_RDONLY ? "yes" : "no");
    CHECK(fcntl(p[0], F_SETFL, fl | O_NONBLOCK) == 0, "F_SETFL");
    n = read(p[0], buf, sizeof buf);
    CHECK(n == -1 && errno == EAGAIN, "nonblocking read EAGAIN");
    printf("nonblocking read on empty pipe -> EAGAIN\n");

    int sz = fcntl(p[1], F_GETPIPE_SZ);
    CHECK(sz > 0, "F_GETPIPE_SZ");
    printf("pipe capacity %d\n", sz);

    /* Fill a big chunk, then drain it: exercises larger reads/writes. */
    static char big[32768];
    for (size_t i = 0; i < sizeof big; i++) big[i] = (char)('a' + i % 26);
    CHECK(write(q[1], big, sizeof big) == sizeof big, "big write");
    size_t got = 0;
    long sum = 0;
    while (got < sizeof big) {
        n = read(q[0], buf, sizeof buf);
        CHECK(n > 0, "big read");
        for (ssize_t i = 0; i < n; i++) sum += buf[i];
        got += n;
    }
    printf("drained %zu bytes, byte sum %ld\n", got, sum);

    /* EOF once every write end is closed (p[1], d, d2, d3). */
    close(p[1]); close(d); close(d2); close(d3);
    CHECK(fcntl(p[0], F_SETFL, fl) == 0, "clear O_NONBLOCK");
    n = read(p[0], buf, sizeof buf);
    CHECK(n == 0, "EOF after closing writers");
    printf("read after closing all writers -> 0 (EOF)\n");
    /* Writing to a pipe with no reader gives EPIPE (SIGPIPE ignored first). */
    signal(SIGPIPE, SIG_IGN);
    close(q[0]);
    CHECK(write(q[1], "x", 1) == -1 && errno == EPIPE, "EPIPE");
    printf("write with no reader -> EPIPE\n");
    close(q[1]); close(p[0]); close(fd);
    fprintf(stderr, "pipe_self: done\n");
    return 0;
}
