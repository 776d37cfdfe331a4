/* grandchild_outlives: main forks a child, which forks a grandchild and
 * exits at once; the grandchild sleeps 200 ms, writes "grandchild done" and
 * exits. Main reaps only the child and exits 0 right away, so the
 * grandchild's line comes after main has exited. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

int main(void) {
    printf("main: forking\n");
    fflush(stdout);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        pid_t g = fork();
        if (g < 0) _exit(4);
        if (g == 0) {
            const struct timespec ms200 = { 0, 200000000 };
            nanosleep(&ms200, NULL);
            const char msg[] = "grandchild done\n";
            if (write(1, msg, sizeof msg - 1) != (ssize_t)(sizeof msg - 1)) _exit(5);
            _exit(0);
        }
        _exit(0);
    }
    int st;
    CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
    printf("main: child exited with status %d; exiting without waiting for the grandchild\n",
           WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status");
    return 0;
}
