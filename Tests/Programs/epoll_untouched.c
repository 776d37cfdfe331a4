// epoll_wait that reports fewer events than its buffer holds must leave the rest of the buffer
// alone, also when the recorder points it at scratch memory (here another thread exists, so the
// wait goes into the kernel while others could run). node's main loop polls with a 1024-event
// buffer on its stack and later reads stack slots the kernel never wrote; if recording fills
// them from scratch and replay does not, registers differ later on.
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
static int fds[2];
static void *reader(void *arg) { char c; return read(fds[0], &c, 1) == 1 ? arg : NULL; }
int main(void) {
    if (pipe(fds) != 0) return 2;
    pthread_t t;
    pthread_create(&t, 0, reader, 0);
    int ep = epoll_create1(0);
    struct epoll_event add = {.events = EPOLLIN, .data.u64 = 7};
    epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &add);
    int intact = 0, calls = 0;
    for (int timeout = 0; timeout <= 20; timeout += 10) {  // one that returns at once, others that wait
        struct epoll_event events[64];
        memset(events, 0xa5, sizeof events);
        int n = epoll_wait(ep, events, 64, timeout);
        calls++;
        if (n == 0 && ((unsigned char *)events)[sizeof events - 1] == 0xa5 && ((unsigned char *)events)[0] == 0xa5) intact++;
    }
    write(fds[1], "x", 1);
    pthread_join(t, 0);
    printf("%d of %d empty epoll_waits left the buffer as it was\n", intact, calls);
    return intact == calls ? 0 : 1;
}
