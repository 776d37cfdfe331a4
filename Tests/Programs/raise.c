/* raise: synchronous self-signals. raise(SIGUSR1) (tgkill) with a handler;
 * a blocked signal stays pending and is delivered on sigprocmask unblock;
 * kill(getpid(), SIGUSR2) with an SA_SIGINFO handler; SIG_IGN; kill(pid, 0). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

static volatile sig_atomic_t usr1_count, usr2_count, usr2_code, usr2_pid_ok;

static void on_usr1(int sig) { (void)sig; usr1_count++; }

static void on_usr2(int sig, siginfo_t *si, void *uctx) {
    (void)sig; (void)uctx;
    usr2_count++;
    usr2_code = si->si_code;
    usr2_pid_ok = si->si_pid == getpid();
}

static const char *code_name(int c) { return c == SI_USER ? "SI_USER" : c == SI_TKILL ? "SI_TKILL" : "other"; }

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction USR1");

    CHECK(raise(SIGUSR1) == 0, "raise");
    printf("after raise(SIGUSR1): handler ran %d time(s)\n", (int)usr1_count);
    CHECK(usr1_count == 1, "handler ran once");

    /* Block, raise: the signal is pending, not delivered. */
    sigset_t set, old, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    CHECK(sigprocmask(SIG_BLOCK, &set, &old) == 0, "block");
    CHECK(raise(SIGUSR1) == 0, "raise blocked");
    CHECK(sigpending(&pend) == 0, "sigpending");
    printf("while blocked: count=%d pending=%d\n", (int)usr1_count, sigismember(&pend, SIGUSR1));
    CHECK(usr1_count == 1 && sigismember(&pend, SIGUSR1), "pending while blocked");
    /* Standard signals don't queue: raising twice more still gives one delivery. */
    raise(SIGUSR1);
    raise(SIGUSR1);
    CHECK(sigprocmask(SIG_SETMASK, &old, NULL) == 0, "unblock");
    printf("after unblock: count=%d\n", (int)usr1_count);  /* delivered before sigprocmask returned */
    CHECK(usr1_count == 2, "delivered once on unblock");
    CHECK(sigpending(&pend) == 0 && !sigismember(&pend, SIGUSR1), "nothing pending");

    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_usr2;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGUSR2, &sa, NULL) == 0, "sigaction USR2");
    CHECK(kill(getpid(), SIGUSR2) == 0, "kill self");
    printf("after kill(getpid(), SIGUSR2): count=%d si_code=%s si_pid is us: %s\n", (int)usr2_count,
           code_name(usr2_code), usr2_pid_ok ? "yes" : "no");
    CHECK(usr2_count == 1 && usr2_code == SI_USER && usr2_pid_ok, "SIGUSR2 info");

    /* raise() uses tgkill, which reports SI_TKILL. */
    CHECK(raise(SIGUSR2) == 0, "raise USR2");
    printf("after raise(SIGUSR2): count=%d si_code=%s\n", (int)usr2_count, code_name(usr2_code));
    CHECK(usr2_count == 2 && usr2_code == SI_TKILL, "SI_TKILL");

    /* Ignored signal: nothing happens. sigaction returns the previous handler. */
    struct sigaction prev;
    sa.sa_handler = SIG_IGN;
    sa.sa_flags = 0;
    CHECK(sigaction(SIGUSR1, &sa, &prev) == 0 && prev.sa_handler == on_usr1, "SIG_IGN + old action");
    CHECK(raise(SIGUSR1) == 0, "raise ignored");
    printf("ignored SIGUSR1: count still %d\n", (int)usr1_count);
    CHECK(usr1_count == 2, "ignored");

    /* kill with signal 0 only checks permission. */
    CHECK(kill(getpid(), 0) == 0, "kill 0");
    printf("kill(getpid(), 0) = 0\n");
    fprintf(stderr, "raise: usr1=%d usr2=%d\n", (int)usr1_count, (int)usr2_count);
    return 0;
}
