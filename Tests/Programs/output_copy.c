/* output_copy: reads a file it wrote back into memory and outputs those bytes again through
 * each write-like call (write, pwrite64, writev, sendto, sendmsg on a socket pair): replay checks
 * a digest of every call's output. OutputDigestTests alters the recorded read so that replay
 * outputs other bytes, and expects a divergence at the first write, not silently other output. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

/* The text OutputDigestTests looks for in the recorded read. */
#define MARKER "RR-OUTPUT-DIGEST marker: these bytes are read back and written again\n"

static char source[64], copy[64];
static void cleanup(void) { unlink(source); unlink(copy); }

int main(void) {
    snprintf(source, sizeof source, "/tmp/rrtest_output_copy_%d", (int)getpid());
    snprintf(copy, sizeof copy, "/tmp/rrtest_output_copy_%d.out", (int)getpid());
    atexit(cleanup);

    int fd = open(source, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    CHECK(fd >= 0, "open source");
    CHECK(write(fd, MARKER, strlen(MARKER)) == (ssize_t)strlen(MARKER), "write source");
    CHECK(close(fd) == 0, "close source");

    char text[256];
    fd = open(source, O_RDONLY);
    CHECK(fd >= 0, "open source again");
    ssize_t length = read(fd, text, sizeof text);
    CHECK(length == (ssize_t)strlen(MARKER), "read source");
    close(fd);

    int out = open(copy, O_CREAT | O_TRUNC | O_RDWR, 0644);
    CHECK(out >= 0, "open copy");
    CHECK(write(out, text, length) == length, "write copy");
    CHECK(pwrite(out, text, length, 1000) == length, "pwrite copy");
    struct iovec halves[2] = {{text, length / 2}, {text + length / 2, length - length / 2}};
    CHECK(writev(out, halves, 2) == length, "writev copy");
    close(out);

    int pair[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0, "socketpair");
    CHECK(sendto(pair[0], text, length, 0, NULL, 0) == length, "sendto");
    struct msghdr message = {.msg_iov = halves, .msg_iovlen = 2};
    CHECK(sendmsg(pair[0], &message, 0) == length, "sendmsg");
    char received[512];
    ssize_t got = 0;
    while (got < 2 * length) {
        ssize_t n = recv(pair[1], received + got, sizeof received - got, 0);
        CHECK(n > 0, "recv");
        got += n;
    }
    CHECK(memcmp(received, text, length) == 0 && memcmp(received + length, text, length) == 0, "received bytes");

    /* Last, and traced in both buffer modes (descriptor 1): the text itself. */
    CHECK(write(1, text, length) == length, "write stdout");
    printf("copied %zd bytes five times\n", length);
    return 0;
}
