/* job_control: group stops seen by a parent, one line per case. Each child runs in its own
 * process group (not orphaned: its parent is in another group of the same session), so that
 * SIGTSTP and SIGTTIN stop it as they stop a job in a shell.
 * - SIGSTOP while the child sleeps in nanosleep: waitpid(WUNTRACED) reports the stop,
 *   SIGCONT + waitpid(WCONTINUED) the continue; the sleep resumes (restart_syscall) and ends;
 * - SIGTSTP and SIGTTIN with their default action, raised by the child itself;
 * - a child that stops itself with SIGSTOP; waitid(WSTOPPED) sees it;
 * - a child with a second thread: the stop holds both threads, both finish after SIGCONT;
 * - a SIGCONT handler runs when the child is continued;
 * - SIGTERM sent to a stopped child is held until SIGCONT, then kills it;
 * - SIGKILL ends a stopped child at once.
 * The children report through their exit status only, and wait for the parent's word before they
 * exit (a child that exited first would make waitpid(WCONTINUED) report the exit), so the output
 * does not depend on how the two processes interleave. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

static void sleep_ms(long ms) {
    struct timespec rest = { ms / 1000, (ms % 1000) * 1000 * 1000 };
    CHECK(nanosleep(&rest, NULL) == 0, "nanosleep resumed after the stop");
}

static int go[2];  /* the parent writes a byte when the child may exit */

static pid_t start(int (*child)(void)) {
    CHECK(pipe(go) == 0, "pipe");
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        setpgid(0, 0);
        int code = child();
        char byte;
        CHECK(read(go[0], &byte, 1) == 1, "read the parent's word");
        _exit(code);
    }
    setpgid(pid, pid);  /* also here, so that the group exists before the parent signals it */
    return pid;
}

static void let_exit(void) {
    CHECK(write(go[1], "x", 1) == 1, "write the word");
    close(go[0]);
    close(go[1]);
}

static const char *describe(int status) {
    static char text[64];
    if (WIFEXITED(status)) snprintf(text, sizeof text, "exited %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status)) snprintf(text, sizeof text, "killed by %s", sigabbrev_np(WTERMSIG(status)));
    else if (WIFSTOPPED(status)) snprintf(text, sizeof text, "stopped by %s", sigabbrev_np(WSTOPSIG(status)));
    else if (WIFCONTINUED(status)) snprintf(text, sizeof text, "continued");
    else snprintf(text, sizeof text, "status 0x%x", status);
    return text;
}

static void wait_and_print(pid_t pid, int options, const char *what) {
    int status = 0;
    CHECK(waitpid(pid, &status, options) == pid, what);
    printf("%s: %s\n", what, describe(status));
}

static int sleeper(void) { sleep_ms(150); return 5; }
static int stops_on_tstp(void) { raise(SIGTSTP); return 6; }
static int stops_on_ttin(void) { raise(SIGTTIN); return 7; }
static int stops_itself(void) { raise(SIGSTOP); return 8; }

static void *second_thread(void *unused) { (void)unused; sleep_ms(150); return (void *)9; }
static int two_threads(void) {
    pthread_t thread;
    void *result = NULL;
    CHECK(pthread_create(&thread, NULL, second_thread, NULL) == 0, "pthread_create");
    sleep_ms(150);
    CHECK(pthread_join(thread, &result) == 0, "pthread_join");
    return (int)(long)result;
}

static volatile sig_atomic_t continued;
static void on_cont(int signal) { (void)signal; continued = 1; }
static int handles_cont(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_cont;
    CHECK(sigaction(SIGCONT, &action, NULL) == 0, "sigaction");
    raise(SIGSTOP);
    return continued ? 10 : 11;
}

static int waits_forever(void) { for (;;) pause(); return 0; }

/* Stops the child with SIGSTOP (unless it stops itself), reports the stop, continues it and
 * reports the continue, then its end. */
static void stop_and_continue(const char *name, int (*child)(void), int send_stop) {
    printf("%s\n", name);
    pid_t pid = start(child);
    if (send_stop) CHECK(kill(pid, SIGSTOP) == 0, "kill SIGSTOP");
    wait_and_print(pid, WUNTRACED, "  waitpid WUNTRACED");
    CHECK(kill(pid, SIGCONT) == 0, "kill SIGCONT");
    wait_and_print(pid, WCONTINUED, "  waitpid WCONTINUED");
    let_exit();
    wait_and_print(pid, 0, "  waitpid");
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    stop_and_continue("SIGSTOP during nanosleep", sleeper, 1);
    stop_and_continue("SIGTSTP, default action", stops_on_tstp, 0);
    stop_and_continue("SIGTTIN, default action", stops_on_ttin, 0);
    stop_and_continue("two threads stopped together", two_threads, 1);
    stop_and_continue("SIGCONT handler", handles_cont, 0);

    printf("stops itself, seen by waitid\n");
    pid_t pid = start(stops_itself);
    siginfo_t info;
    memset(&info, 0, sizeof info);
    CHECK(waitid(P_PID, pid, &info, WSTOPPED) == 0, "waitid WSTOPPED");
    printf("  waitid: code %s, signal %s\n", info.si_code == CLD_STOPPED ? "CLD_STOPPED" : "other",
           sigabbrev_np(info.si_status));
    CHECK(kill(pid, SIGCONT) == 0, "kill SIGCONT");
    let_exit();
    wait_and_print(pid, 0, "  waitpid");

    printf("SIGTERM held while stopped\n");
    pid = start(waits_forever);
    CHECK(kill(pid, SIGSTOP) == 0, "kill SIGSTOP");
    wait_and_print(pid, WUNTRACED, "  waitpid WUNTRACED");
    CHECK(kill(pid, SIGTERM) == 0, "kill SIGTERM");
    int status = 0;
    CHECK(waitpid(pid, &status, WNOHANG) == 0, "waitpid WNOHANG while stopped");
    printf("  still stopped after SIGTERM\n");
    CHECK(kill(pid, SIGCONT) == 0, "kill SIGCONT");
    wait_and_print(pid, 0, "  waitpid");
    let_exit();

    printf("SIGKILL while stopped\n");
    pid = start(waits_forever);
    CHECK(kill(pid, SIGSTOP) == 0, "kill SIGSTOP");
    wait_and_print(pid, WUNTRACED, "  waitpid WUNTRACED");
    CHECK(kill(pid, SIGKILL) == 0, "kill SIGKILL");
    wait_and_print(pid, 0, "  waitpid");
    let_exit();
    return 0;
}
