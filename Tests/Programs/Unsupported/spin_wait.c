// The main thread spins on a flag that a second thread would set, without making a syscall.
// Without preemption inside user code the second thread never runs: the recorder must say so
// (the test stops it after a few seconds).
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static volatile int flag;

static void *setter(void *arg) {
    flag = 1;
    return arg;
}

int main(void) {
    pthread_t thread;
    pthread_create(&thread, 0, setter, 0);
    while (!flag) {}
    pthread_join(thread, 0);
    printf("flag set\n");
    return 0;
}
