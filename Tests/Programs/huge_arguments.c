/* huge_arguments: syscalls whose arguments ask for far more memory than the kernel writes (a
 * read of 2^40 bytes, iovecs of 2^42 bytes, a poll of 2^32 + 1 descriptors that the kernel reads
 * as 1, a select of 2^31 - 1 descriptors that the kernel stops at the end of the descriptor
 * table). What the recorder copies must be sized by what the kernel did, never by the request. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

int main(void) {
    int p[2];
    /* Static, so that buf + 2^44 is still below the top of user space (the kernel checks the
     * whole range it is given before reading a byte). */
    static char buf[16];
    if (pipe(p) != 0) { perror("pipe"); return 1; }

    if (write(p[1], "hello", 5) != 5) return 1;
    long n = syscall(SYS_read, p[0], buf, 1L << 40);
    printf("read of 2^40 bytes: %ld (%.5s)\n", n, buf);

    if (write(p[1], "world", 5) != 5) return 1;
    struct iovec one = { buf, 1UL << 40 };
    n = readv(p[0], &one, 1);
    printf("readv of one 2^40-byte iovec: %ld (%.5s)\n", n, buf);

    if (write(p[1], "xyz", 3) != 3) return 1;
    struct iovec four[4];
    for (int i = 0; i < 4; i++) { four[i].iov_base = buf; four[i].iov_len = 1UL << 42; }
    n = readv(p[0], four, 4);
    printf("readv of four 2^42-byte iovecs: %ld (%.3s)\n", n, buf);

    if (write(p[1], "!", 1) != 1) return 1;
    struct pollfd fds = { p[0], POLLIN, 0 };
    n = syscall(SYS_poll, &fds, 0x100000001UL, 0);
    printf("poll of 2^32 + 1 descriptors: %ld, revents %#x\n", n, fds.revents);

    fd_set readable;
    FD_ZERO(&readable);
    FD_SET(p[0], &readable);
    struct timeval none = { 0, 0 };
    n = syscall(SYS_select, 0x7fffffffL, &readable, NULL, NULL, &none);
    printf("select of 2^31 - 1 descriptors: %ld, pipe readable %d\n", n, FD_ISSET(p[0], &readable) != 0);

    FD_ZERO(&readable);
    FD_SET(p[0], &readable);
    n = syscall(SYS_select, 0x100000000L | (p[0] + 1), &readable, NULL, NULL, &none);
    printf("select with high bits in nfds: %ld, pipe readable %d\n", n, FD_ISSET(p[0], &readable) != 0);

    sigset_t pending;
    errno = 0;
    n = syscall(SYS_rt_sigpending, &pending, 1UL << 62);
    printf("rt_sigpending with a 2^62-byte set: %ld (%s)\n", n, strerror(errno));
    return 0;
}
