// A thread calls execve while two others sleep: the kernel kills them and the execing
// thread takes over the main thread's tid. Record and replay must follow.
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include <time.h>
static void *sleeper(void *arg) { for (int i = 0; i < 100; i++) { struct timespec t = {0, 1000000}; nanosleep(&t, 0); } return arg; }
static void *execer(void *arg) {
    struct timespec t = {0, 5000000}; nanosleep(&t, 0);
    char *argv[] = {"echo", "exec from a thread", NULL};
    execv("/bin/echo", argv);
    return arg;
}
int main(void) {
    pthread_t a, b, c;
    printf("starting\n"); fflush(stdout);
    pthread_create(&a, 0, sleeper, 0);
    pthread_create(&b, 0, sleeper, 0);
    pthread_create(&c, 0, execer, 0);
    pthread_join(a, 0); pthread_join(b, 0); pthread_join(c, 0);
    printf("not reached\n");
    return 1;
}
