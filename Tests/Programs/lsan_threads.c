/* Built with AddressSanitizer (Makefile.inc); LeakSanitizer checks for leaks at exit while two
 * more threads live: one waiting in a read(2) from a pipe nobody writes (in the kernel), one
 * yielding in a loop (stopped by the recorder between its calls). LeakSanitizer stops them with
 * ptrace (attach, wait, read registers, detach): the blocks only those threads' stacks point to
 * are still reachable, one block is leaked, and the report names the leak alone. (A thread
 * spinning without syscalls would work too, but takes the one running slot for a whole time
 * slice after each of the main thread's events, while LeakSanitizer's report makes thousands.) */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int blocker[2];
static volatile int started;

static void *wait_in_kernel(void *unused) {
    (void)unused;
    char *kept = malloc(333);  /* reachable: this frame keeps it until the read returns */
    memset(kept, 7, 333);
    __atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
    char byte;
    ssize_t got = read(blocker[0], &byte, 1);
    __asm__ volatile("" : : "r"(kept), "r"(got) : "memory");
    return kept;
}

static void *yield_forever(void *unused) {
    (void)unused;
    char *kept = malloc(555);
    memset(kept, 5, 555);
    __atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
    for (;;) {
        sched_yield();
        __asm__ volatile("" : : "r"(kept) : "memory");
    }
    return NULL;
}

__attribute__((noinline)) static void leak_block(void) {
    char *block = malloc(4321);
    memset(block, 1, 4321);
    __asm__ volatile("" : : "r"(block) : "memory");
}

int main(void) {
    if (pipe(blocker) != 0) return 2;
    pthread_t waiter, yielder;
    pthread_create(&waiter, NULL, wait_in_kernel, NULL);
    pthread_create(&yielder, NULL, yield_forever, NULL);
    while (__atomic_load_n(&started, __ATOMIC_SEQ_CST) < 2) usleep(1000);
    leak_block();
    printf("two threads running\n");
    fflush(stdout);
    return 0;  /* LeakSanitizer runs at exit, the threads still there */
}
