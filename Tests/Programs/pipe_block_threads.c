/* pipe_block_threads: a thread blocks in read() on an empty pipe while the
 * main thread makes a few syscalls (including a 20 ms nanosleep), then writes
 * to the pipe; the reader prints what it got and is joined. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

static int p[2];
static char got[64];
static ssize_t got_n = -1;

static void *reader(void *arg) {
    (void)arg;
    got_n = read(p[0], got, sizeof got);
    return NULL;
}

int main(void) {
    CHECK(pipe(p) == 0, "pipe");
    pthread_t t;
    int e = pthread_create(&t, NULL, reader, NULL);
    if (e) { errno = e; CHECK(0, "pthread_create"); }
    const struct timespec ms20 = { 0, 20000000 };
    CHECK(nanosleep(&ms20, NULL) == 0, "nanosleep");
    for (int i = 0; i < 5; i++) { getpid(); getuid(); }
    const char msg[] = "wake up, reader";
    CHECK(write(p[1], msg, sizeof msg - 1) == (ssize_t)(sizeof msg - 1), "write");
    e = pthread_join(t, NULL);
    if (e) { errno = e; CHECK(0, "pthread_join"); }
    printf("reader thread read %zd bytes: %.*s\n", got_n, (int)(got_n > 0 ? got_n : 0), got);
    CHECK(got_n == (ssize_t)(sizeof msg - 1) && memcmp(got, msg, got_n) == 0, "message");
    close(p[0]); close(p[1]);
    return 0;
}
