/* mutex_condvar: 2 producers and 2 consumers pass 1000 items through a
 * bounded buffer guarded by a pthread mutex and two condition variables;
 * prints the checksum of everything consumed. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)
#define PT(call, what) do { int e_ = (call); if (e_) { errno = e_; CHECK(0, what); } } while (0)

#define ITEMS 1000
#define PRODUCERS 2
#define CONSUMERS 2
#define CAP 8

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static long buf[CAP];
static int head, count, produced, consumed;

static void *producer(void *arg) {
    long base = (long)arg;
    for (long i = 0; i < ITEMS / PRODUCERS; i++) {
        long item = base * (ITEMS / PRODUCERS) + i + 1;
        pthread_mutex_lock(&mu);
        while (count == CAP) pthread_cond_wait(&not_full, &mu);
        buf[(head + count) % CAP] = item;
        count++;
        produced++;
        pthread_cond_signal(&not_empty);
        pthread_mutex_unlock(&mu);
    }
    return NULL;
}

struct result { long sum, xor_mix, n; };

static void *consumer(void *arg) {
    struct result *r = arg;
    for (;;) {
        pthread_mutex_lock(&mu);
        while (count == 0 && consumed < ITEMS) pthread_cond_wait(&not_empty, &mu);
        if (count == 0) { /* everything consumed */
            pthread_mutex_unlock(&mu);
            return NULL;
        }
        long item = buf[head];
        head = (head + 1) % CAP;
        count--;
        consumed++;
        if (consumed == ITEMS) pthread_cond_broadcast(&not_empty); /* release the other consumer */
        pthread_cond_signal(&not_full);
        pthread_mutex_unlock(&mu);
        r->sum += item;
        r->xor_mix ^= item * 2654435761L;
        r->n++;
    }
}

int main(void) {
    pthread_t p[PRODUCERS], c[CONSUMERS];
    static struct result res[CONSUMERS];
    for (long i = 0; i < CONSUMERS; i++) PT(pthread_create(&c[i], NULL, consumer, &res[i]), "create consumer");
    for (long i = 0; i < PRODUCERS; i++) PT(pthread_create(&p[i], NULL, producer, (void *)i), "create producer");
    for (int i = 0; i < PRODUCERS; i++) PT(pthread_join(p[i], NULL), "join producer");
    for (int i = 0; i < CONSUMERS; i++) PT(pthread_join(c[i], NULL), "join consumer");
    long sum = 0, mix = 0, n = 0;
    for (int i = 0; i < CONSUMERS; i++) { sum += res[i].sum; mix ^= res[i].xor_mix; n += res[i].n; }
    long want_mix = 0;
    for (long i = 1; i <= ITEMS; i++) want_mix ^= i * 2654435761L;
    printf("produced %d, consumed %ld items, checksum %ld, mix %lx\n", produced, n, sum, mix);
    CHECK(produced == ITEMS && n == ITEMS, "counts");
    CHECK(sum == (long)ITEMS * (ITEMS + 1) / 2 && mix == want_mix, "checksum");
    return 0;
}
