/* signal_states: signals arriving in many states, one line per case:
 * - during a blocking read on a pipe, without SA_RESTART (EINTR) and with it (the call restarts
 *   and reads the byte the handler wrote);
 * - during pause(), nanosleep() (EINTR even with SA_RESTART; the remaining time is only checked
 *   to be in (0, 1 s]) and poll();
 * - a default-ignored signal (SIGWINCH from a POSIX timer) during nanosleep: the sleep completes;
 * - sigsuspend, sigwaitinfo and a read on a signalfd, each waiting for a blocked SIGALRM;
 * - real-time signals queued while blocked (sigqueue values, lower signal number first, FIFO);
 * - a standard signal raised twice while blocked, delivered once at the unblock;
 * - nested signals: another signal inside a handler (nested, or deferred by sa_mask), and the
 *   same signal again with SA_NODEFER (nested) and without it (after the handler returns);
 * - between threads: pthread_kill, tgkill, and a process-directed kill that only one thread
 *   accepts;
 * - between processes: the parent kills a forked child with SIGUSR1, the child's handler answers
 *   through a pipe, and the parent's SIGCHLD handler counts the child's exit.
 * Timers are periodic (5 ms) where a signal arriving before the call would otherwise leave it
 * blocked, so every case ends; only what happened is printed, never a count that depends on
 * timing. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)
#define PT(call, what) do { int e_ = (call); if (e_) { errno = e_; CHECK(0, what); } } while (0)

static volatile sig_atomic_t alarms;
static int wake_fd = -1;  /* the SA_RESTART read case: the handler writes a byte here */

/* A log of handler events, appended to from handlers. */
static char events[128];
static volatile int nevents;
static void event(const char *s) {
    while (*s && nevents < (int)sizeof events - 1) events[nevents++] = *s++;
    events[nevents] = 0;
}
static void clear_events(void) { nevents = 0; events[0] = 0; }

static void on_alarm(int signal) {
    (void)signal;
    alarms++;
    if (wake_fd >= 0) {
        char c = 'x';
        if (write(wake_fd, &c, 1) != 1) _exit(3);
        wake_fd = -1;
    }
}

static void handle(int signal, void (*handler)(int), int flags, const sigset_t *mask) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = handler;
    action.sa_flags = flags;
    if (mask) action.sa_mask = *mask;
    else sigemptyset(&action.sa_mask);
    CHECK(sigaction(signal, &action, NULL) == 0, "sigaction");
}

static void arm(long first_us, long interval_us) {
    struct itimerval timer = { { 0, interval_us }, { 0, first_us } };
    CHECK(setitimer(ITIMER_REAL, &timer, NULL) == 0, "setitimer");
}
static void disarm(void) { arm(0, 0); }

static void block(int signal, int how) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, signal);
    CHECK(sigprocmask(how, &set, NULL) == 0, "sigprocmask");
}

static const char *err(long result) {
    static char text[64];
    if (result >= 0) snprintf(text, sizeof text, "%ld", result);
    else snprintf(text, sizeof text, "-1 %s", errno == EINTR ? "EINTR" : strerror(errno));
    return text;
}

static void read_cases(void) {
    int p[2];
    char c = 0;
    CHECK(pipe(p) == 0, "pipe");
    handle(SIGALRM, on_alarm, 0, NULL);
    alarms = 0;
    arm(5000, 5000);
    long r = read(p[0], &c, 1);
    disarm();
    printf("read, no SA_RESTART: %s, handler ran: %s\n", err(r), alarms > 0 ? "yes" : "no");
    CHECK(r == -1 && errno == EINTR, "read EINTR");

    handle(SIGALRM, on_alarm, SA_RESTART, NULL);
    alarms = 0;
    wake_fd = p[1];
    arm(5000, 5000);
    r = read(p[0], &c, 1);
    disarm();
    wake_fd = -1;
    printf("read, SA_RESTART: %s '%c', handler ran: %s\n", err(r), r == 1 ? c : '?', alarms > 0 ? "yes" : "no");
    CHECK(r == 1 && c == 'x', "restarted read");

    alarms = 0;
    arm(5000, 5000);
    r = pause();
    disarm();
    printf("pause: %s, handler ran: %s\n", err(r), alarms > 0 ? "yes" : "no");

    struct timespec rem = { 0, 0 };
    alarms = 0;
    arm(5000, 5000);
    r = nanosleep(&(struct timespec){ 1, 0 }, &rem);
    disarm();
    printf("nanosleep 1 s, SA_RESTART: %s, remaining in (0, 1 s]: %s\n", err(r),
           r == -1 && (rem.tv_sec > 0 || rem.tv_nsec > 0) && (rem.tv_sec == 0 || (rem.tv_sec == 1 && rem.tv_nsec == 0)) ? "yes" : "no");
    CHECK(r == -1 && errno == EINTR, "nanosleep EINTR");

    struct pollfd pfd = { p[0], POLLIN, 0 };
    alarms = 0;
    arm(5000, 5000);
    r = poll(&pfd, 1, 1000);
    disarm();
    printf("poll 1 s: %s, handler ran: %s\n", err(r), alarms > 0 ? "yes" : "no");
    CHECK(r == -1 && errno == EINTR, "poll EINTR");
    close(p[0]);
    close(p[1]);
}

static void ignored_during_sleep(void) {
    /* SIGWINCH's default action is to ignore it; it must not end the sleep. */
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGWINCH;
    timer_t timer;
    CHECK(timer_create(CLOCK_MONOTONIC, &sev, &timer) == 0, "timer_create");
    struct itimerspec spec = { { 0, 0 }, { 0, 5000000 } };
    CHECK(timer_settime(timer, 0, &spec, NULL) == 0, "timer_settime");
    long r = nanosleep(&(struct timespec){ 0, 20000000 }, NULL);
    printf("nanosleep 20 ms, default-ignored SIGWINCH at 5 ms: %s\n", err(r));
    CHECK(r == 0, "nanosleep completes");
    CHECK(timer_delete(timer) == 0, "timer_delete");
}

static void waiting_cases(void) {
    handle(SIGALRM, on_alarm, 0, NULL);
    block(SIGALRM, SIG_BLOCK);

    sigset_t mask;
    CHECK(sigprocmask(SIG_BLOCK, NULL, &mask) == 0, "sigprocmask");
    sigdelset(&mask, SIGALRM);
    alarms = 0;
    arm(5000, 0);
    long r = sigsuspend(&mask);
    sigset_t after;
    CHECK(sigprocmask(SIG_BLOCK, NULL, &after) == 0, "sigprocmask");
    printf("sigsuspend: %s, handler ran %d, SIGALRM blocked again: %s\n", err(r), (int)alarms,
           sigismember(&after, SIGALRM) ? "yes" : "no");

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGALRM);
    siginfo_t info;
    memset(&info, 0, sizeof info);
    alarms = 0;
    arm(5000, 0);
    r = sigwaitinfo(&set, &info);
    printf("sigwaitinfo: %s, si_code %s, handler ran %d\n", r == SIGALRM ? "SIGALRM" : err(r),
           info.si_code == SI_KERNEL ? "SI_KERNEL" : info.si_code == SI_TIMER ? "SI_TIMER" : "other", (int)alarms);
    CHECK(r == SIGALRM, "sigwaitinfo");

    int fd = signalfd(-1, &set, SFD_CLOEXEC);
    CHECK(fd >= 0, "signalfd");
    struct signalfd_siginfo ssi;
    memset(&ssi, 0, sizeof ssi);
    arm(5000, 0);
    r = read(fd, &ssi, sizeof ssi);
    printf("signalfd read: %s bytes, signal %s, code %s, handler ran %d\n", err(r),
           ssi.ssi_signo == SIGALRM ? "SIGALRM" : "other", (int)ssi.ssi_code == SI_KERNEL ? "SI_KERNEL" : "other",
           (int)alarms);
    CHECK(r == sizeof ssi && ssi.ssi_signo == SIGALRM, "signalfd read");
    CHECK(fcntl(fd, F_SETFL, O_NONBLOCK) == 0, "fcntl");
    r = read(fd, &ssi, sizeof ssi);
    printf("signalfd read with nothing pending: %s\n", r < 0 && errno == EAGAIN ? "EAGAIN" : err(r));
    close(fd);
    block(SIGALRM, SIG_UNBLOCK);
}

/* Real-time signals: order and values. */
static void on_rt(int signal, siginfo_t *info, void *context) {
    (void)context;
    char text[24];
    snprintf(text, sizeof text, "%s:%d ", signal == SIGRTMIN + 1 ? "rt1" : signal == SIGRTMIN + 2 ? "rt2" : "?",
             info->si_code == SI_QUEUE ? info->si_value.sival_int : -1);
    event(text);
}

static void realtime_case(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_rt;
    action.sa_flags = SA_SIGINFO;
    sigfillset(&action.sa_mask);  /* each handler runs alone: the log shows the delivery order */
    CHECK(sigaction(SIGRTMIN + 1, &action, NULL) == 0 && sigaction(SIGRTMIN + 2, &action, NULL) == 0, "sigaction");
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN + 1);
    sigaddset(&set, SIGRTMIN + 2);
    CHECK(sigprocmask(SIG_BLOCK, &set, &old) == 0, "sigprocmask");
    clear_events();
    for (int i = 1; i <= 3; i++) CHECK(sigqueue(getpid(), SIGRTMIN + 2, (union sigval){ .sival_int = 10 * i }) == 0, "sigqueue");
    CHECK(sigqueue(getpid(), SIGRTMIN + 1, (union sigval){ .sival_int = 99 }) == 0, "sigqueue");
    printf("real-time signals queued while blocked: delivered so far '%s'\n", events);
    CHECK(sigprocmask(SIG_SETMASK, &old, NULL) == 0, "sigprocmask");
    printf("after unblocking: %s\n", events);
    CHECK(strcmp(events, "rt1:99 rt2:10 rt2:20 rt2:30 ") == 0, "real-time order");
}

static volatile sig_atomic_t usr1, usr2, depth;
static volatile pid_t usr1_tid, usr2_tid;
static void on_usr1_count(int signal) { (void)signal; usr1++; usr1_tid = gettid(); }
static void on_usr2_count(int signal) { (void)signal; usr2++; usr2_tid = gettid(); }

static void blocked_case(void) {
    handle(SIGUSR1, on_usr1_count, 0, NULL);
    usr1 = 0;
    block(SIGUSR1, SIG_BLOCK);
    raise(SIGUSR1);
    raise(SIGUSR1);
    sigset_t pending;
    CHECK(sigpending(&pending) == 0, "sigpending");
    printf("SIGUSR1 raised twice while blocked: handler ran %d, pending %s\n", (int)usr1,
           sigismember(&pending, SIGUSR1) ? "yes" : "no");
    block(SIGUSR1, SIG_UNBLOCK);
    int at_unblock = usr1;
    printf("after unblocking: handler ran %d (a standard signal is not queued twice)\n", at_unblock);
    CHECK(at_unblock == 1, "delivered once at unblock");
}

/* Nesting: SIGUSR1's handler raises SIGUSR2 (logged as A..a around B), or itself again. */
static void on_usr2_log(int signal) { (void)signal; event("B "); }
static void on_usr1_raise_usr2(int signal) { (void)signal; event("A "); raise(SIGUSR2); event("a "); }
static void on_usr1_again(int signal) {
    (void)signal;
    int d = ++depth;
    event(d == 1 ? "1( " : d == 2 ? "2( " : "?( ");
    if (usr1++ == 0) raise(SIGUSR1);
    event(d == 1 ? ")1 " : d == 2 ? ")2 " : ")? ");
    depth--;
}

static void nested_cases(void) {
    handle(SIGUSR2, on_usr2_log, 0, NULL);
    handle(SIGUSR1, on_usr1_raise_usr2, 0, NULL);
    clear_events();
    raise(SIGUSR1);
    printf("SIGUSR2 raised in SIGUSR1's handler: %s\n", events);
    CHECK(strcmp(events, "A B a ") == 0, "nested");

    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR2);
    handle(SIGUSR1, on_usr1_raise_usr2, 0, &mask);
    clear_events();
    raise(SIGUSR1);
    printf("the same with SIGUSR2 in sa_mask: %s\n", events);
    CHECK(strcmp(events, "A a B ") == 0, "deferred by sa_mask");

    handle(SIGUSR1, on_usr1_again, SA_NODEFER, NULL);
    clear_events();
    usr1 = 0;
    depth = 0;
    raise(SIGUSR1);
    printf("SIGUSR1 raised in its own handler, SA_NODEFER: %s\n", events);
    CHECK(strcmp(events, "1( 2( )2 )1 ") == 0, "SA_NODEFER");

    handle(SIGUSR1, on_usr1_again, 0, NULL);
    clear_events();
    usr1 = 0;
    raise(SIGUSR1);
    printf("the same without SA_NODEFER: %s\n", events);
    CHECK(strcmp(events, "1( )1 1( )1 ") == 0, "deferred to after the handler");
    handle(SIGUSR1, SIG_DFL, 0, NULL);
    handle(SIGUSR2, SIG_DFL, 0, NULL);
}

static int ready_pipe[2];
static pid_t main_tid, other_tid;

static void *other_thread(void *arg) {
    (void)arg;
    other_tid = gettid();
    sigset_t mask;
    CHECK(pthread_sigmask(SIG_BLOCK, NULL, &mask) == 0, "pthread_sigmask");
    sigdelset(&mask, SIGUSR1);
    for (int round = 0; round < 2; round++) {
        int before = usr1;
        char c = 'r';
        CHECK(write(ready_pipe[1], &c, 1) == 1, "write ready");
        while (usr1 == before) sigsuspend(&mask);  /* SIGUSR1 is blocked outside sigsuspend */
    }
    /* Answer the main thread, which has SIGUSR2 blocked until its own sigsuspend. */
    CHECK(syscall(SYS_tgkill, getpid(), main_tid, SIGUSR2) == 0, "tgkill");
    return NULL;
}

static void thread_cases(void) {
    handle(SIGUSR1, on_usr1_count, 0, NULL);
    handle(SIGUSR2, on_usr2_count, 0, NULL);
    usr1 = usr2 = 0;
    main_tid = gettid();
    sigset_t both, old;
    sigemptyset(&both);
    sigaddset(&both, SIGUSR1);
    sigaddset(&both, SIGUSR2);
    CHECK(sigprocmask(SIG_BLOCK, &both, &old) == 0, "sigprocmask");  /* the thread inherits this mask */
    CHECK(pipe(ready_pipe) == 0, "pipe");
    pthread_t thread;
    PT(pthread_create(&thread, NULL, other_thread, NULL), "pthread_create");
    char c;
    CHECK(read(ready_pipe[0], &c, 1) == 1, "read ready");
    PT(pthread_kill(thread, SIGUSR1), "pthread_kill");
    CHECK(read(ready_pipe[0], &c, 1) == 1, "read ready");
    int first_in_thread = usr1 == 1 && usr1_tid == other_tid;
    printf("pthread_kill SIGUSR1 to a thread in sigsuspend: handled in that thread: %s\n", first_in_thread ? "yes" : "no");
    /* The main thread blocks SIGUSR1: a process-directed SIGUSR1 can only go to the other thread. */
    CHECK(kill(getpid(), SIGUSR1) == 0, "kill");
    sigset_t wait_usr2 = old;
    sigaddset(&wait_usr2, SIGUSR1);
    sigdelset(&wait_usr2, SIGUSR2);
    while (usr2 == 0) sigsuspend(&wait_usr2);
    PT(pthread_join(thread, NULL), "pthread_join");
    printf("kill SIGUSR1 to the process, blocked in main: handled by the other thread: %s\n",
           usr1 == 2 && usr1_tid == other_tid ? "yes" : "no");
    printf("tgkill SIGUSR2 from the thread to main: handled in main: %s\n", usr2 == 1 && usr2_tid == main_tid ? "yes" : "no");
    CHECK(first_in_thread && usr1 == 2 && usr1_tid == other_tid && usr2_tid == main_tid, "thread-directed signals");
    CHECK(sigprocmask(SIG_SETMASK, &old, NULL) == 0, "sigprocmask");
    close(ready_pipe[0]);
    close(ready_pipe[1]);
    handle(SIGUSR1, SIG_DFL, 0, NULL);
    handle(SIGUSR2, SIG_DFL, 0, NULL);
}

static int answer_fd = -1;
static void on_usr1_answer(int signal) {
    (void)signal;
    char c = 'U';
    if (write(answer_fd, &c, 1) != 1) _exit(4);
    usr1++;
}
static volatile sig_atomic_t children;
static void on_child(int signal) { (void)signal; children++; }

static void process_case(void) {
    int ready[2], answer[2];
    CHECK(pipe(ready) == 0 && pipe(answer) == 0, "pipe");
    answer_fd = answer[1];
    usr1 = 0;
    children = 0;
    handle(SIGUSR1, on_usr1_answer, 0, NULL);
    handle(SIGCHLD, on_child, SA_RESTART, NULL);
    sigset_t mask, old;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    CHECK(sigprocmask(SIG_BLOCK, &mask, &old) == 0, "sigprocmask");
    fflush(stdout);
    pid_t child = fork();
    CHECK(child >= 0, "fork");
    if (child == 0) {
        char c = 'R';
        if (write(ready[1], &c, 1) != 1) _exit(5);
        sigset_t wait_mask = old;
        sigdelset(&wait_mask, SIGUSR1);
        while (usr1 == 0) sigsuspend(&wait_mask);
        _exit(usr1 == 1 ? 0 : 6);
    }
    CHECK(sigprocmask(SIG_SETMASK, &old, NULL) == 0, "sigprocmask");
    char c = 0;
    CHECK(read(ready[0], &c, 1) == 1 && c == 'R', "read ready");
    CHECK(kill(child, SIGUSR1) == 0, "kill child");
    CHECK(read(answer[0], &c, 1) == 1, "read answer");
    int status;
    CHECK(waitpid(child, &status, 0) == child, "waitpid");
    printf("SIGUSR1 to a child in sigsuspend: answer '%c', child exit %d\n", c, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    /* SIGCHLD is sent when the child exits, before waitpid returns; the handler has run by now. */
    printf("SIGCHLD handled: %d\n", (int)children);
    CHECK(c == 'U' && WIFEXITED(status) && WEXITSTATUS(status) == 0 && children == 1, "signal to a child");
    handle(SIGCHLD, SIG_DFL, 0, NULL);
    handle(SIGUSR1, SIG_DFL, 0, NULL);
    close(ready[0]); close(ready[1]); close(answer[0]); close(answer[1]);
}

int main(void) {
    read_cases();
    ignored_during_sleep();
    waiting_cases();
    realtime_case();
    blocked_case();
    nested_cases();
    thread_cases();
    process_case();
    printf("done\n");
    return 0;
}
