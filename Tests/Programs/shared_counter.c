/* shared_counter: two worker threads add to a shared counter under a mutex, each noting
 * itself as the last writer; main prints the total and which worker wrote last. For the gdb
 * server's test of a watchpoint that goes back to the thread that last wrote. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
volatile long counter;
volatile int last_writer;

__attribute__((noinline)) void add(int worker, long amount) {
    pthread_mutex_lock(&lock);
    counter += amount;
    last_writer = worker;
    pthread_mutex_unlock(&lock);
}

static void *work(void *arg) {
    int worker = (int)(long)arg;
    for (int i = 0; i < 3; i++) {
        add(worker, worker * 10 + i);
        usleep(1000);
    }
    return NULL;
}

int main(void) {
    pthread_t threads[2];
    for (long w = 1; w <= 2; w++) pthread_create(&threads[w - 1], NULL, work, (void *)w);
    for (int w = 0; w < 2; w++) pthread_join(threads[w], NULL);
    printf("counter %ld last writer %d\n", counter, last_writer);
    return 0;
}
