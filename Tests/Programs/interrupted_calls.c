/* interrupted_calls: blocking calls that signal_states does not cover, each interrupted by a
 * periodic SIGALRM whose handler is installed without SA_RESTART, then with it:
 * - clock_nanosleep, select and epoll_wait end with EINTR either way (the kernel never restarts
 *   them after a handler);
 * - wait4 on a child that is still running, and futex(FUTEX_WAIT) on a word nobody wakes, end
 *   with EINTR without SA_RESTART and are restarted with it (the child exits, another thread
 *   wakes the futex, so the restarted call returns normally);
 * - a futex wait with a timeout, interrupted with SA_RESTART (EINTR on Linux 6).
 * Timers are periodic (5 ms) so that a signal arriving before the call still interrupts it; only
 * what happened is printed, never a count that depends on timing. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

static volatile sig_atomic_t alarms;
static void on_alarm(int signal) { (void)signal; alarms++; }

static void handle_alarm(int flags) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_alarm;
    action.sa_flags = flags;
    sigemptyset(&action.sa_mask);
    CHECK(sigaction(SIGALRM, &action, NULL) == 0, "sigaction");
}

static void arm(long first_us, long interval_us) {
    struct itimerval timer = { { 0, interval_us }, { 0, first_us } };
    CHECK(setitimer(ITIMER_REAL, &timer, NULL) == 0, "setitimer");
}
static void disarm(void) { arm(0, 0); }

static const char *outcome(long result) {
    static char text[64];
    if (result >= 0) snprintf(text, sizeof text, "%ld", result);
    else snprintf(text, sizeof text, "-1 %s", errno == EINTR ? "EINTR" : strerror(errno));
    return text;
}

static void report(const char *call, const char *mode, long result) {
    int saved = errno;
    printf("%s, %s: %s, handler ran: %s\n", call, mode, outcome(result), alarms > 0 ? "yes" : "no");
    errno = saved;
}

static long sleep_clock(void) {
    struct timespec second = { 1, 0 };
    int e = clock_nanosleep(CLOCK_MONOTONIC, 0, &second, NULL);
    if (e) { errno = e; return -1; }
    return 0;
}

static long select_nothing(void) {
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    fd_set readable;
    FD_ZERO(&readable);
    FD_SET(p[0], &readable);
    struct timeval second = { 1, 0 };
    long r = select(p[0] + 1, &readable, NULL, NULL, &second);
    int saved = errno;
    close(p[0]);
    close(p[1]);
    errno = saved;
    return r;
}

static long epoll_nothing(void) {
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    int ep = epoll_create1(0);
    CHECK(ep >= 0, "epoll_create1");
    struct epoll_event interest = { .events = EPOLLIN, .data.fd = p[0] };
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &interest) == 0, "epoll_ctl");
    struct epoll_event ready;
    long r = epoll_wait(ep, &ready, 1, 1000);
    int saved = errno;
    close(ep);
    close(p[0]);
    close(p[1]);
    errno = saved;
    return r;
}

/* A child that lives 60 ms: long enough for several alarms to interrupt the parent's wait4. */
static long wait_for_child(void) {
    pid_t child = fork();
    CHECK(child >= 0, "fork");
    if (child == 0) {
        struct timespec rest = { 0, 60 * 1000 * 1000 };
        while (nanosleep(&rest, &rest) != 0) {}
        _exit(7);
    }
    int status = 0;
    long r = wait4(child, &status, 0, NULL);
    if (r < 0) {
        int saved = errno;
        disarm();
        CHECK(waitpid(child, &status, 0) == child, "waitpid after EINTR");
        errno = saved;
        return r;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -100;
}

static uint32_t futex_word;

static long futex_wait(const struct timespec *timeout) {
    return syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, timeout, NULL, 0);
}

static void *wake_later(void *unused) {
    (void)unused;
    struct timespec rest = { 0, 60 * 1000 * 1000 };
    while (nanosleep(&rest, &rest) != 0) {}
    __atomic_store_n(&futex_word, 1, __ATOMIC_SEQ_CST);
    syscall(SYS_futex, &futex_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    return NULL;
}

/* Waits on the futex while another thread sets it and wakes it 60 ms later. A restarted wait
 * that starts after the word changed returns EAGAIN at once: both mean "woken", printed alike. */
static long futex_woken(void) {
    futex_word = 0;
    pthread_t waker;
    CHECK(pthread_create(&waker, NULL, wake_later, NULL) == 0, "pthread_create");
    long r = futex_wait(NULL);
    int saved = errno;
    disarm();
    CHECK(pthread_join(waker, NULL) == 0, "pthread_join");
    if (r < 0 && saved == EAGAIN) r = 0;
    errno = saved;
    return r;
}

static long futex_times_out(void) {
    futex_word = 0;
    struct timespec timeout = { 0, 80 * 1000 * 1000 };
    return futex_wait(&timeout);
}

struct call { const char *name; long (*run)(void); };

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    const struct call calls[] = {
        { "clock_nanosleep", sleep_clock },
        { "select", select_nothing },
        { "epoll_wait", epoll_nothing },
        { "wait4", wait_for_child },
        { "futex", futex_woken },
    };
    for (int restart = 0; restart <= 1; restart++) {
        handle_alarm(restart ? SA_RESTART : 0);
        for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
            alarms = 0;
            arm(5000, 5000);
            long r = calls[i].run();
            disarm();
            report(calls[i].name, restart ? "SA_RESTART" : "no SA_RESTART", r);
        }
    }
    alarms = 0;
    arm(5000, 5000);
    long r = futex_times_out();
    disarm();
    report("futex with timeout", "SA_RESTART", r);
    return 0;
}
