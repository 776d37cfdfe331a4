/* session_ids: setsid in a child, setpgid (from the child and from the
 * parent), prctl(PR_SET_NAME/PR_GET_NAME), getpgid/getsid comparisons.
 * Ids are compared and printed as yes/no, never printed raw. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)
#define YN(c) ((c) ? "yes" : "no")

static void reap(pid_t pid, const char *what) {
    int st;
    CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
    printf("%s exited with status %d\n", what, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, what);
}

int main(void) {
    pid_t me = getpid();
    pid_t my_sid = getsid(0), my_pgid = getpgid(0);
    /* 0 when the session or group leader lives outside our pid namespace (containers, CI). */
    CHECK(my_sid >= 0 && my_pgid >= 0, "getsid/getpgid");
    printf("parent: getpgid(0) == getpgrp(): %s\n", YN(my_pgid == getpgrp()));
    printf("parent: getsid(0) == getsid(getpid()): %s\n", YN(my_sid == getsid(me)));

    /* Child 1: becomes a session leader. */
    fflush(stdout);
    pid_t c1 = fork();
    CHECK(c1 >= 0, "fork 1");
    if (c1 == 0) {
        pid_t self = getpid();
        printf("child1: in parent's session before setsid: %s\n", YN(getsid(0) == my_sid));
        pid_t s = setsid();
        printf("child1: setsid returned own pid: %s\n", YN(s == self));
        printf("child1: getsid(0) == own pid: %s\n", YN(getsid(0) == self));
        printf("child1: getpgid(0) == own pid: %s\n", YN(getpgid(0) == self));
        printf("child1: still in parent's session: %s\n", YN(getsid(0) == my_sid));
        errno = 0;
        int r = setsid();
        printf("child1: second setsid fails with EPERM: %s\n", YN(r == -1 && errno == EPERM));
        int fd = open("/dev/tty", O_RDWR);
        printf("child1: /dev/tty opens without a controlling terminal: %s\n", YN(fd >= 0));
        if (fd >= 0) close(fd);
        fflush(stdout);
        _exit(s == self && getsid(0) == self ? 0 : 1);
    }
    reap(c1, "child1");

    /* Child 2: new process group via setpgid from both sides; waits on a pipe
     * until the parent has checked it. */
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    fflush(stdout);
    pid_t c2 = fork();
    CHECK(c2 >= 0, "fork 2");
    if (c2 == 0) {
        close(p[1]);
        int r = setpgid(0, 0);
        char c;
        ssize_t n = read(p[0], &c, 1); /* EOF when the parent closes its end */
        (void)n;
        printf("child2: setpgid(0, 0) ok: %s, own group: %s, same session as parent: %s\n",
               YN(r == 0), YN(getpgid(0) == getpid()), YN(getsid(0) == my_sid));
        if (prctl(PR_SET_NAME, "renamed", 0, 0, 0) != 0) _exit(2);
        char name[17] = { 0 };
        if (prctl(PR_GET_NAME, name, 0, 0, 0) != 0) _exit(2);
        printf("child2: PR_GET_NAME after PR_SET_NAME: %s\n", name);
        fflush(stdout);
        _exit(r == 0 && getpgid(0) == getpid() ? 0 : 1);
    }
    close(p[0]);
    int r = setpgid(c2, c2);
    CHECK(r == 0 || errno == EACCES, "setpgid(child, child)");
    printf("parent: getpgid(child2) == child2: %s\n", YN(getpgid(c2) == c2));
    printf("parent: getsid(child2) == own sid: %s\n", YN(getsid(c2) == my_sid));
    printf("parent: own group unchanged: %s\n", YN(getpgid(0) == my_pgid));
    errno = 0;
    r = setpgid(c2, 999999999);
    printf("parent: setpgid to a nonexistent group fails: %s\n", YN(r == -1 && (errno == EPERM || errno == ESRCH)));
    fflush(stdout);
    close(p[1]);
    reap(c2, "child2");

    /* The parent renames itself too. */
    char name[17] = { 0 };
    CHECK(prctl(PR_SET_NAME, "renamed-parent", 0, 0, 0) == 0, "PR_SET_NAME");
    CHECK(prctl(PR_GET_NAME, name, 0, 0, 0) == 0, "PR_GET_NAME");
    printf("parent: PR_GET_NAME: %s\n", name);
    CHECK(strcmp(name, "renamed-parent") == 0, "name");
    FILE *f = fopen("/proc/self/comm", "r");
    CHECK(f != NULL, "open /proc/self/comm");
    char comm[64] = { 0 };
    CHECK(fgets(comm, sizeof comm, f) != NULL, "read comm");
    fclose(f);
    printf("parent: /proc/self/comm: %s", comm);
    errno = 0;
    CHECK(getsid(999999999) == -1 && errno == ESRCH, "getsid(nonexistent) ESRCH");
    printf("parent: getsid(nonexistent pid): ESRCH\n");
    return 0;
}
