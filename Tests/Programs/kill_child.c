/* kill_child: the parent installs a SIGCHLD handler, forks a child that
 * sleeps in a bounded usleep loop, kills it with SIGTERM after 10 ms, reaps
 * it and reports how it died and whether the SIGCHLD handler ran. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

static volatile sig_atomic_t chld_count;

static void on_chld(int sig) { (void)sig; chld_count++; }

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_chld;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGCHLD, &sa, NULL) == 0, "sigaction");

    fflush(stdout);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        for (int i = 0; i < 200; i++) usleep(10000);
        _exit(0);
    }
    const struct timespec ms10 = { 0, 10000000 };
    CHECK(nanosleep(&ms10, NULL) == 0, "nanosleep");
    CHECK(kill(pid, SIGTERM) == 0, "kill");
    int st = 0;
    pid_t r = -1;
    for (int tries = 0; tries < 10; tries++) {
        r = waitpid(pid, &st, 0);
        if (r == pid || errno != EINTR) break;
    }
    CHECK(r == pid, "waitpid");
    printf("child signaled: %s, signal %s\n", WIFSIGNALED(st) ? "yes" : "no",
           WIFSIGNALED(st) ? (WTERMSIG(st) == SIGTERM ? "SIGTERM" : "other") : "none");
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "child killed by SIGTERM");
    printf("SIGCHLD handler ran: %s\n", chld_count > 0 ? "yes" : "no");
    errno = 0;
    CHECK(kill(pid, 0) == -1 && errno == ESRCH, "reaped child is gone");
    printf("kill(reaped child, 0): ESRCH\n");
    return 0;
}
