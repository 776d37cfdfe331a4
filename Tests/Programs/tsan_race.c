/* Built with ThreadSanitizer (Makefile.inc): two threads add to a counter without a lock.
 * ThreadSanitizer sees the unsynchronised accesses whatever the interleaving (the recorder runs
 * one thread at a time), reports the data race naming this file, and exits 66. */
#include <pthread.h>
#include <stdio.h>

static int counter;

static void *add(void *unused) {
    (void)unused;
    for (int i = 0; i < 1000; i++) counter++;
    return NULL;
}

int main(void) {
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, add, NULL);
    for (int i = 0; i < 2; i++) pthread_join(threads[i], NULL);
    printf("counted %s\n", counter > 0 ? "something" : "nothing");
    return 0;
}
