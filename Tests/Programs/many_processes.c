/* many_processes: 500 short-lived children (child i exits with i % 7); the
 * parent reaps them all with waitpid in creation order and prints the sum. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

#define N 500

int main(void) {
    static pid_t kids[N];
    int expected = 0;
    fflush(stdout);
    for (int i = 0; i < N; i++) {
        pid_t pid = fork();
        CHECK(pid >= 0, "fork");
        if (pid == 0) _exit(i % 7);
        kids[i] = pid;
        expected += i % 7;
        /* Reap in batches so at most 50 children exist at once. */
        if (i % 50 == 49) {
            for (int j = i - 49; j <= i; j++) {
                int st;
                CHECK(waitpid(kids[j], &st, 0) == kids[j], "waitpid");
                CHECK(WIFEXITED(st) && WEXITSTATUS(st) == j % 7, "child status");
                kids[j] = -WEXITSTATUS(st) - 1; /* remember the status */
            }
        }
    }
    int sum = 0;
    for (int i = 0; i < N; i++) sum += -kids[i] - 1;
    printf("reaped %d children, sum of exit statuses %d (expected %d)\n", N, sum, expected);
    CHECK(sum == expected, "sum");
    errno = 0;
    CHECK(wait(NULL) == -1 && errno == ECHILD, "ECHILD");
    return 0;
}
