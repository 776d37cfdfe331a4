/* threads_join: 100 pthreads, each computes a small value and makes a few
 * syscalls (getpid, gettid); all are joined and the sum is printed. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

#define N 100

static pid_t main_pid;
static volatile int wrong_pid;

static void *worker(void *arg) {
    long i = (long)(intptr_t)arg;
    if (getpid() != main_pid) wrong_pid = 1;
    if (gettid() == main_pid) wrong_pid = 1;
    long v = 0;
    for (long k = 0; k <= i; k++) v += k * k;
    return (void *)(intptr_t)v;
}

int main(void) {
    main_pid = getpid();
    pthread_t t[N];
    for (long i = 0; i < N; i++) {
        int e = pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i);
        if (e) { errno = e; CHECK(0, "pthread_create"); }
    }
    long sum = 0, expected = 0;
    for (long i = 0; i < N; i++) {
        void *r;
        int e = pthread_join(t[i], &r);
        if (e) { errno = e; CHECK(0, "pthread_join"); }
        sum += (long)(intptr_t)r;
        for (long k = 0; k <= i; k++) expected += k * k;
    }
    printf("joined %d threads, sum %ld (expected %ld)\n", N, sum, expected);
    CHECK(sum == expected, "sum");
    CHECK(!wrong_pid, "getpid in threads == main pid, gettid != pid");
    printf("threads saw the process id and distinct thread ids: yes\n");
    return 0;
}
