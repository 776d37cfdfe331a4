/* buffered_block_threads: with syscall buffering, a thread blocks in buffered syscalls (read,
 * poll, futex wait) on pipes and a condition that another thread fills or signals only later.
 * The blocked thread must let the other run (desched event), and replay must bring each thread
 * to the same point of the schedule. */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int to_reader[2], to_poller[2], to_masked[2];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready = PTHREAD_COND_INITIALIZER;
static int stage;

static void pause_ms(int ms) {
    struct timespec t = {0, ms * 1000000L};
    nanosleep(&t, NULL);
}

static void *reader(void *arg) {
    (void)arg;
    char buf[64];
    for (int i = 0; i < 3; i++) {
        ssize_t n = read(to_reader[0], buf, sizeof buf); /* blocks until the main thread writes */
        printf("reader: got %zd bytes: %.*s\n", n, (int)(n > 0 ? n : 0), buf);
    }
    return NULL;
}

static void *poller(void *arg) {
    (void)arg;
    struct pollfd p = {to_poller[0], POLLIN, 0};
    int r = poll(&p, 1, 5000); /* blocks until the main thread writes */
    char buf[16] = {0};
    ssize_t n = read(to_poller[0], buf, sizeof buf - 1);
    printf("poller: poll=%d revents=%#x read %zd: %s\n", r, p.revents, n, buf);
    pthread_mutex_lock(&lock);
    while (stage == 0) pthread_cond_wait(&ready, &lock); /* a futex wait */
    pthread_mutex_unlock(&lock);
    printf("poller: woken at stage %d\n", stage);
    return NULL;
}

/* Blocks every signal (the desched signal too) before it blocks in a buffered read. */
static void *masked_reader(void *arg) {
    (void)arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    char buf[16] = {0};
    ssize_t n = read(to_masked[0], buf, sizeof buf - 1);
    printf("masked reader: got %zd bytes: %s\n", n, buf);
    return NULL;
}

int main(void) {
    if (pipe(to_reader) != 0 || pipe(to_poller) != 0 || pipe(to_masked) != 0) return 2;
    pthread_t r, p, m;
    pthread_create(&r, NULL, reader, NULL);
    pthread_create(&p, NULL, poller, NULL);
    pthread_create(&m, NULL, masked_reader, NULL);
    for (int i = 0; i < 3; i++) {
        pause_ms(30);
        char msg[32];
        int len = snprintf(msg, sizeof msg, "message %d", i);
        if (write(to_reader[1], msg, len) != len) return 3;
    }
    pause_ms(30);
    if (write(to_poller[1], "poll me", 7) != 7) return 4;
    pause_ms(30);
    pthread_mutex_lock(&lock);
    stage = 1;
    pthread_cond_signal(&ready);
    pthread_mutex_unlock(&lock);
    pause_ms(30);
    if (write(to_masked[1], "masked", 6) != 6) return 5;
    pthread_join(r, NULL);
    pthread_join(p, NULL);
    pthread_join(m, NULL);
    printf("main: done\n");
    return 0;
}
