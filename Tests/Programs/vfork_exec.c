/* vfork_exec: vfork + execve of /bin/true (and of /bin/false), then
 * posix_spawn of /bin/echo; the parent prints each exit status. */
#define _GNU_SOURCE
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

extern char **environ;

static int run_vfork(const char *path, char *name) {
    fflush(stdout);
    pid_t pid = vfork();
    CHECK(pid >= 0, "vfork");
    if (pid == 0) {
        char *argv[] = { name, NULL };
        execve(path, argv, environ);
        _exit(127);
    }
    int st;
    CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
    CHECK(WIFEXITED(st), "exited normally");
    return WEXITSTATUS(st);
}

int main(void) {
    int s = run_vfork("/bin/true", "true");
    printf("vfork+execve /bin/true: status %d\n", s);
    CHECK(s == 0, "true status");
    s = run_vfork("/bin/false", "false");
    printf("vfork+execve /bin/false: status %d\n", s);
    CHECK(s == 1, "false status");

    fflush(stdout);
    pid_t pid;
    char *argv[] = { "echo", "from", "posix_spawn", NULL };
    int e = posix_spawn(&pid, "/bin/echo", NULL, NULL, argv, environ);
    if (e) { errno = e; CHECK(0, "posix_spawn"); }
    int st;
    CHECK(waitpid(pid, &st, 0) == pid, "waitpid spawn");
    printf("posix_spawn /bin/echo: exited normally %s, status %d\n", WIFEXITED(st) ? "yes" : "no", WEXITSTATUS(st));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "spawn status");

    e = posix_spawn(&pid, "/nonexistent/program", NULL, NULL, argv, environ);
    printf("posix_spawn of a missing program: %s\n", e == ENOENT ? "ENOENT" : e == 0 ? "started" : strerror(e));
    if (e == 0) { /* old glibc: child exits 127 */
        CHECK(waitpid(pid, &st, 0) == pid, "waitpid missing");
    }
    return 0;
}
