/* wait_blocked_parent: the parent blocks in wait4 while the child works for
 * about 50 ms (sleeps and other syscalls) and then exits 5. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

int main(void) {
    fflush(stdout);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        const struct timespec ms5 = { 0, 5000000 };
        for (int i = 0; i < 10; i++) {
            nanosleep(&ms5, NULL);
            getpid();
            struct timespec t;
            clock_gettime(CLOCK_MONOTONIC, &t);
            int fd = open("/dev/null", O_WRONLY);
            if (fd >= 0) { if (write(fd, "x", 1) != 1) _exit(6); close(fd); }
        }
        _exit(5);
    }
    int st;
    struct rusage ru;
    pid_t r = wait4(pid, &st, 0, &ru);
    CHECK(r == pid, "wait4");
    printf("child exited normally: %s, status %d\n", WIFEXITED(st) ? "yes" : "no", WEXITSTATUS(st));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 5, "child status");
    return 0;
}
