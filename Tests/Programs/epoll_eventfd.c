/* epoll_eventfd: eventfd (counter and EFD_SEMAPHORE), epoll_create1,
 * epoll_ctl add/mod/del, epoll_wait / epoll_pwait with zero timeout over an
 * eventfd and a pipe. Never blocks. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

int main(void) {
    int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    CHECK(efd >= 0, "eventfd");
    uint64_t v = 5;
    CHECK(write(efd, &v, 8) == 8, "eventfd write");
    v = 3;
    CHECK(write(efd, &v, 8) == 8, "eventfd write 2");
    CHECK(read(efd, &v, 8) == 8, "eventfd read");
    printf("eventfd counter after +5 +3: %llu\n", (unsigned long long)v);
    CHECK(v == 8, "counter");
    CHECK(read(efd, &v, 8) == -1 && errno == EAGAIN, "empty eventfd EAGAIN");
    printf("read of zero counter -> EAGAIN\n");

    int sem = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
    CHECK(sem >= 0, "eventfd semaphore");
    uint64_t s1 = 0, s2 = 0;
    CHECK(read(sem, &s1, 8) == 8 && read(sem, &s2, 8) == 8, "semaphore reads");
    CHECK(read(sem, &v, 8) == -1 && errno == EAGAIN, "semaphore exhausted");
    printf("EFD_SEMAPHORE(2): reads %llu, %llu, then EAGAIN\n", (unsigned long long)s1, (unsigned long long)s2);

    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    int ep = epoll_create1(EPOLL_CLOEXEC);
    CHECK(ep >= 0, "epoll_create1");
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 1 };
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) == 0, "ctl add efd");
    ev.data.u64 = 2;
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0, "ctl add pipe");
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == -1 && errno == EEXIST, "double add EEXIST");

    struct epoll_event out[4];
    int n = epoll_wait(ep, out, 4, 0);
    printf("epoll_wait with nothing ready: %d\n", n);
    CHECK(n == 0, "nothing ready");

    v = 1;
    CHECK(write(efd, &v, 8) == 8, "signal eventfd");
    CHECK(write(p[1], "x", 1) == 1, "write pipe");
    n = epoll_wait(ep, out, 4, 0);
    CHECK(n == 2, "two ready");
    uint64_t ids = 0;
    for (int i = 0; i < n; i++) ids |= out[i].data.u64 == 1 ? 1 : out[i].data.u64 == 2 ? 2 : 4;
    printf("epoll_wait after writes: %d ready (eventfd %s, pipe %s)\n", n, ids & 1 ? "yes" : "no", ids & 2 ? "yes" : "no");
    CHECK(ids == 3, "both ids");

    /* Level-triggered: still ready until drained. Switch the pipe to edge-triggered. */
    ev.events = EPOLLIN | EPOLLET;
    ev.data.u64 = 2;
    CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == 0, "ctl mod");
    CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL) == 0, "ctl del");
    sigset_t mask;
    sigemptyset(&mask);
    n = epoll_pwait(ep, out, 4, 0, &mask);
    printf("after MOD(EPOLLET)/DEL: epoll_pwait -> %d\n", n);
    CHECK(n == 1 && out[0].data.u64 == 2, "edge event reported once");
    n = epoll_wait(ep, out, 4, 0);
    printf("edge-triggered, no new data: epoll_wait -> %d\n", n);
    CHECK(n == 0, "no repeat for edge-triggered");

    close(ep); close(p[0]); close(p[1]); close(efd); close(sem);
    fprintf(stderr, "epoll_eventfd: done\n");
    return 0;
}
