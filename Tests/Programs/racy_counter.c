/* racy_counter: two threads each do 2000 non-atomic increments of a shared
 * volatile counter with a syscall (getppid) inside the loop. The final value
 * may be below 4000 natively (lost updates); replay must reproduce it. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

#define ITERS 2000

static volatile long counter;

static void *worker(void *arg) {
    (void)arg;
    for (int i = 0; i < ITERS; i++) {
        long v = counter;
        getppid();
        counter = v + 1;
    }
    return NULL;
}

int main(void) {
    pthread_t a, b;
    int e = pthread_create(&a, NULL, worker, NULL);
    if (e) { errno = e; CHECK(0, "pthread_create a"); }
    e = pthread_create(&b, NULL, worker, NULL);
    if (e) { errno = e; CHECK(0, "pthread_create b"); }
    e = pthread_join(a, NULL);
    if (e) { errno = e; CHECK(0, "pthread_join a"); }
    e = pthread_join(b, NULL);
    if (e) { errno = e; CHECK(0, "pthread_join b"); }
    long c = counter;
    printf("final counter %ld (at most %d)\n", c, 2 * ITERS);
    CHECK(c >= ITERS && c <= 2 * ITERS, "counter in range");
    return 0;
}
