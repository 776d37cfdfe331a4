/* exec_child: fork; the child execve()s /bin/echo; the parent waits and
 * prints the child's exit status. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

extern char **environ;

int main(void) {
    printf("parent: before fork\n");
    fflush(stdout);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        char *argv[] = { "echo", "from", "exec", NULL };
        execve("/bin/echo", argv, environ);
        _exit(127);
    }
    int st;
    CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
    printf("parent: child exited normally: %s, status %d\n", WIFEXITED(st) ? "yes" : "no", WEXITSTATUS(st));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status");
    return 0;
}
