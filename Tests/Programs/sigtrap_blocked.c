/* sigtrap_blocked: with every signal blocked (as sh blocks them around its wait builtin), a
 * child's SIGCHLD is pending when a sigprocmask lets it through, so it arrives right after that
 * buffered syscall; replay reaches that point with a breakpoint, whose forced SIGTRAP the kernel
 * unblocks. That sigprocmask must still report SIGTRAP blocked. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t children;
static void on_child(int signal) { (void)signal; children++; }

int main(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_child;
    sigaction(SIGCHLD, &action, NULL);
    sigset_t all, all_but_child, before, after;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    pid_t child = fork();
    if (child < 0) { perror("fork"); return 1; }
    if (child == 0) _exit(0);
    siginfo_t info;
    if (waitid(P_PID, child, &info, WEXITED | WNOWAIT) != 0) { perror("waitid"); return 1; }  /* SIGCHLD now pending */
    all_but_child = all;
    sigdelset(&all_but_child, SIGCHLD);
    sigprocmask(SIG_SETMASK, &all_but_child, &before);  /* SIGCHLD is delivered as this returns */
    sigprocmask(SIG_SETMASK, &all, &after);
    printf("SIGCHLD handled: %d\n", (int)children);
    printf("SIGTRAP blocked before: %s\n", sigismember(&before, SIGTRAP) ? "yes" : "no");
    printf("SIGTRAP blocked after: %s, SIGCHLD: %s\n", sigismember(&after, SIGTRAP) ? "yes" : "no",
           sigismember(&after, SIGCHLD) ? "yes" : "no");
    waitpid(child, NULL, 0);
    return 0;
}
