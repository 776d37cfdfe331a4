/* thread_exit_group: several threads sleep in bounded nanosleep loops while
 * one thread calls exit(7) (exit_group), which ends the whole process. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)
#define PT(call, what) do { int e_ = (call); if (e_) { errno = e_; CHECK(0, what); } } while (0)

#define SLEEPERS 4

static volatile int started;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *sleeper(void *arg) {
    (void)arg;
    pthread_mutex_lock(&mu);
    started++;
    pthread_mutex_unlock(&mu);
    const struct timespec ms10 = { 0, 10000000 };
    for (int i = 0; i < 150; i++) nanosleep(&ms10, NULL); /* 1.5 s at most */
    return NULL;
}

static void at_exit(void) {
    printf("atexit handler ran\n");
}

static void *exiter(void *arg) {
    (void)arg;
    const struct timespec ms1 = { 0, 1000000 };
    for (int i = 0; i < 500; i++) { /* wait until every sleeper has started */
        pthread_mutex_lock(&mu);
        int s = started;
        pthread_mutex_unlock(&mu);
        if (s == SLEEPERS) break;
        nanosleep(&ms1, NULL);
    }
    nanosleep(&ms1, NULL);
    printf("exiter: all %d sleepers started: %s; calling exit(7)\n", SLEEPERS, started == SLEEPERS ? "yes" : "no");
    exit(7);
}

int main(void) {
    CHECK(atexit(at_exit) == 0, "atexit");
    pthread_t t[SLEEPERS + 1];
    for (int i = 0; i < SLEEPERS; i++) PT(pthread_create(&t[i], NULL, sleeper, NULL), "create sleeper");
    PT(pthread_create(&t[SLEEPERS], NULL, exiter, NULL), "create exiter");
    for (int i = 0; i < SLEEPERS; i++) pthread_join(t[i], NULL);
    printf("FAIL sleepers finished: exit(7) did not end the process\n");
    fflush(stdout);
    _exit(3);
}
