/* poll: poll, ppoll, select and pselect on a pipe, all with zero timeouts
 * (never blocks): empty pipe, pipe with data, writable end, hung-up pipe. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

static void show(const char *what, int r, short rev) {
    printf("%-28s -> %d%s%s%s\n", what, r, rev & POLLIN ? " POLLIN" : "", rev & POLLOUT ? " POLLOUT" : "",
           rev & POLLHUP ? " POLLHUP" : "");
}

int main(void) {
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    struct pollfd pf = { .fd = p[0], .events = POLLIN };

    int r = poll(&pf, 1, 0);
    show("poll empty, timeout 0", r, pf.revents);
    CHECK(r == 0, "poll empty");

    CHECK(write(p[1], "data", 4) == 4, "write");
    r = poll(&pf, 1, 0);
    show("poll with data", r, pf.revents);
    CHECK(r == 1 && (pf.revents & POLLIN), "poll with data");
    /* Blocking poll with data returns immediately. */
    r = poll(&pf, 1, 1000);
    CHECK(r == 1, "poll with data, timeout 1000");

    struct timespec zero = { 0, 0 };
    sigset_t mask;
    sigemptyset(&mask);
    r = ppoll(&pf, 1, &zero, &mask);
    show("ppoll with data", r, pf.revents);
    CHECK(r == 1, "ppoll");

    struct pollfd both[2] = { { p[0], POLLIN, 0 }, { p[1], POLLOUT, 0 } };
    r = poll(both, 2, 0);
    printf("poll read+write ends       -> %d (read revents %#x, write revents %#x)\n", r,
           both[0].revents, both[1].revents);
    CHECK(r == 2 && (both[1].revents & POLLOUT), "poll both");

    fd_set rd, wr;
    FD_ZERO(&rd); FD_ZERO(&wr);
    FD_SET(p[0], &rd); FD_SET(p[1], &wr);
    struct timeval tv = { 0, 0 };
    r = select(p[1] + 1, &rd, &wr, NULL, &tv);
    printf("select                     -> %d readable=%d writable=%d\n", r, FD_ISSET(p[0], &rd), FD_ISSET(p[1], &wr));
    CHECK(r == 2, "select");

    char buf[8];
    CHECK(read(p[0], buf, sizeof buf) == 4, "drain");
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    r = pselect(p[0] + 1, &rd, NULL, NULL, &zero, &mask);
    printf("pselect after drain        -> %d readable=%d\n", r, FD_ISSET(p[0], &rd));
    CHECK(r == 0, "pselect empty");

    /* select with a small nonzero timeout on an empty pipe times out. */
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    tv.tv_sec = 0; tv.tv_usec = 2000;
    r = select(p[0] + 1, &rd, NULL, NULL, &tv);
    printf("select 2ms on empty pipe   -> %d (timed out)\n", r);
    CHECK(r == 0, "select timeout");

    close(p[1]);
    pf.revents = 0;
    r = poll(&pf, 1, 0);
    show("poll after writer closed", r, pf.revents);
    CHECK(r == 1 && (pf.revents & POLLHUP), "POLLHUP");

    /* Invalid fd yields POLLNVAL. */
    struct pollfd bad = { .fd = 999, .events = POLLIN };
    r = poll(&bad, 1, 0);
    printf("poll on closed fd 999      -> %d POLLNVAL=%d\n", r, !!(bad.revents & POLLNVAL));
    CHECK(r == 1 && (bad.revents & POLLNVAL), "POLLNVAL");
    close(p[0]);
    fprintf(stderr, "poll: done\n");
    return 0;
}
