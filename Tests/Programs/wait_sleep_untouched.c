// A wait4 with WNOHANG that finds no child ready, and a nanosleep or relative clock_nanosleep
// that sleeps its whole time, write none of their output arguments: the kernel leaves status,
// rusage and the remaining time as the caller set them. While another thread could run, the
// recorder points those arguments at scratch memory; copying more back than the kernel wrote
// would change them in the recording only.
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PATTERN 0x5a

static int pipe_fds[2];

static void *blocked_reader(void *unused) {
    (void)unused;
    char byte;
    return (void *)(long)read(pipe_fds[0], &byte, 1);
}

static int untouched(const void *buffer, size_t size) {
    for (size_t i = 0; i < size; i++)
        if (((const unsigned char *)buffer)[i] != PATTERN) return 0;
    return 1;
}

int main(void) {
    if (pipe(pipe_fds) != 0) return 2;
    pthread_t reader;
    pthread_create(&reader, NULL, blocked_reader, NULL);  // another thread that could run
    pid_t child = fork();
    if (child == 0) {
        pause();
        _exit(0);
    }
    int status;
    struct rusage usage;
    memset(&status, PATTERN, sizeof status);
    memset(&usage, PATTERN, sizeof usage);
    pid_t found = wait4(child, &status, WNOHANG, &usage);
    printf("wait4 WNOHANG: %d, status %s, rusage %s\n", (int)found, untouched(&status, sizeof status) ? "untouched" : "CHANGED",
           untouched(&usage, sizeof usage) ? "untouched" : "CHANGED");
    struct timespec nap = {0, 1000000}, remaining;
    memset(&remaining, PATTERN, sizeof remaining);
    int slept = nanosleep(&nap, &remaining);
    printf("nanosleep: %d, remaining %s\n", slept, untouched(&remaining, sizeof remaining) ? "untouched" : "CHANGED");
    memset(&remaining, PATTERN, sizeof remaining);
    slept = clock_nanosleep(CLOCK_MONOTONIC, 0, &nap, &remaining);
    printf("clock_nanosleep: %d, remaining %s\n", slept, untouched(&remaining, sizeof remaining) ? "untouched" : "CHANGED");
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
    if (write(pipe_fds[1], "x", 1) != 1) return 2;
    pthread_join(reader, NULL);
    int all = untouched(&usage, sizeof usage) && untouched(&remaining, sizeof remaining);
    if (!all) printf("FAIL\n");
    return all ? 0 : 1;
}
