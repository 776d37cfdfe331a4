/* fork_wait: fork 3 children exiting with 1, 2, 3; the parent reaps each with
 * waitpid (in child order) and wait4 (rusage); child 2 also sends a message
 * through a pipe that the parent reads. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

int main(void) {
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    pid_t kids[3];
    fflush(stdout);
    for (int i = 0; i < 3; i++) {
        pid_t pid = fork();
        CHECK(pid >= 0, "fork");
        if (pid == 0) {
            close(p[0]);
            if (i == 1) {
                const char msg[] = "hello from child 2";
                if (write(p[1], msg, sizeof msg - 1) != (ssize_t)(sizeof msg - 1)) _exit(100);
            }
            close(p[1]);
            _exit(i + 1);
        }
        kids[i] = pid;
    }
    close(p[1]);

    char buf[128];
    size_t got = 0;
    for (int tries = 0; tries < 100 && got < sizeof buf; tries++) {
        ssize_t n = read(p[0], buf + got, sizeof buf - got);
        CHECK(n >= 0, "read");
        if (n == 0) break; /* EOF: every child closed its write end */
        got += n;
    }
    printf("parent read from pipe: %.*s (%zu bytes)\n", (int)got, buf, got);
    CHECK(got == 18 && memcmp(buf, "hello from child 2", 18) == 0, "pipe message");
    close(p[0]);

    for (int i = 0; i < 3; i++) {
        int st = -1;
        pid_t r;
        if (i == 2) {
            struct rusage ru;
            r = wait4(kids[i], &st, 0, &ru);
        } else {
            r = waitpid(kids[i], &st, 0);
        }
        CHECK(r == kids[i], "waitpid");
        CHECK(WIFEXITED(st), "child exited normally");
        printf("child %d: exited with status %d\n", i + 1, WEXITSTATUS(st));
        CHECK(WEXITSTATUS(st) == i + 1, "child status");
    }
    errno = 0;
    CHECK(waitpid(-1, NULL, 0) == -1 && errno == ECHILD, "no more children -> ECHILD");
    printf("no more children: ECHILD\n");
    return 0;
}
