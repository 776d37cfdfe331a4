/* timers_all: every kind of timer, each with a few expirations a couple of ms apart:
 * - alarm: set and cancelled only (it counts whole seconds; its value shows in getitimer);
 * - setitimer ITIMER_REAL: 3 SIGALRMs caught while waiting in sigsuspend;
 * - timer_create SIGEV_SIGNAL on CLOCK_MONOTONIC: 3 expirations taken with sigwaitinfo (si_code,
 *   value, timer id), then overruns piled up while the signal was blocked (timer_getoverrun);
 * - timer_create SIGEV_THREAD: 3 notifications, each on a thread glibc starts, reported to main
 *   through a pipe;
 * - timerfd: reads until 3 expirations, then EAGAIN once disarmed.
 * How many expirations each read or overrun covers depends on timing; it is printed (replay must
 * reproduce it) along with facts that do not. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

static volatile sig_atomic_t alarms;
static void on_alarm(int signal) { (void)signal; alarms++; }

static void test_alarm(void) {
    unsigned before = alarm(5);
    struct itimerval now;
    CHECK(getitimer(ITIMER_REAL, &now) == 0, "getitimer");
    unsigned left = alarm(0);
    /* alarm(0) returns the seconds left, rounded to the nearest: 5 unless half a second passed. */
    printf("alarm: previous %u, ITIMER_REAL shows 4-5 s: %s, cancelled with 4-5 s left: %s\n", before,
           (now.it_value.tv_sec == 4 || (now.it_value.tv_sec == 5 && now.it_value.tv_usec == 0)) ? "yes" : "no",
           left == 4 || left == 5 ? "yes" : "no");
    CHECK(before == 0 && (left == 4 || left == 5), "alarm values");
    CHECK(getitimer(ITIMER_REAL, &now) == 0, "getitimer");
    printf("alarm: disarmed: %s\n", now.it_value.tv_sec == 0 && now.it_value.tv_usec == 0 ? "yes" : "no");
}

static void test_itimer_real(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_alarm;
    sigemptyset(&action.sa_mask);
    CHECK(sigaction(SIGALRM, &action, NULL) == 0, "sigaction");
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGALRM);
    CHECK(sigprocmask(SIG_BLOCK, &set, &old) == 0, "sigprocmask");
    alarms = 0;
    struct itimerval timer = { { 0, 2000 }, { 0, 2000 } };
    CHECK(setitimer(ITIMER_REAL, &timer, NULL) == 0, "setitimer");
    int waits = 0;
    while (alarms < 3 && waits < 100) { sigsuspend(&old); waits++; }
    struct itimerval off = { { 0, 0 }, { 0, 0 } }, previous;
    CHECK(setitimer(ITIMER_REAL, &off, &previous) == 0, "setitimer (disarm)");
    CHECK(sigprocmask(SIG_SETMASK, &old, NULL) == 0, "sigprocmask");  /* one more may be delivered here */
    printf("ITIMER_REAL: %d SIGALRMs after %d sigsuspends, interval when disarmed %ld us\n", alarms >= 3 ? 3 : (int)alarms,
           waits, (long)previous.it_interval.tv_usec);
    CHECK(waits == 3, "one SIGALRM per sigsuspend");
}

static void test_posix_signal(void) {
    int sig = SIGRTMIN + 3;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0, "sigprocmask");
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = sig;
    sev.sigev_value.sival_int = 77;
    timer_t timer;
    CHECK(timer_create(CLOCK_MONOTONIC, &sev, &timer) == 0, "timer_create");
    struct itimerspec spec = { { 0, 2000000 }, { 0, 2000000 } };
    CHECK(timer_settime(timer, 0, &spec, NULL) == 0, "timer_settime");
    for (int i = 0; i < 3; i++) {
        siginfo_t info;
        memset(&info, 0, sizeof info);
        int r = sigwaitinfo(&set, &info);
        CHECK(r == sig, "sigwaitinfo");
        int overrun = timer_getoverrun(timer);
        printf("SIGEV_SIGNAL %d: SI_TIMER %s, value %d, overrun %d\n", i, info.si_code == SI_TIMER ? "yes" : "no",
               info.si_value.sival_int, overrun);
        CHECK(info.si_code == SI_TIMER && info.si_value.sival_int == 77 && overrun >= 0, "timer signal");
    }
    /* Let expirations pile up while nobody takes the signal: one signal, the rest are overruns. */
    CHECK(nanosleep(&(struct timespec){ 0, 12000000 }, NULL) == 0, "nanosleep");
    siginfo_t info;
    CHECK(sigwaitinfo(&set, &info) == sig, "sigwaitinfo");
    int overrun = timer_getoverrun(timer);
    printf("SIGEV_SIGNAL after 12 ms: one signal, overrun %d (at least 2: %s), si_overrun matches: %s\n", overrun,
           overrun >= 2 ? "yes" : "no", info.si_overrun == overrun ? "yes" : "no");
    CHECK(overrun >= 2, "overruns");
    CHECK(timer_delete(timer) == 0, "timer_delete");
    /* Another expiration may have been queued before the delete; drop it. */
    struct timespec zero = { 0, 0 };
    while (sigtimedwait(&set, &info, &zero) == sig) {}
    CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0, "sigprocmask");
}

static int notify_pipe[2];
static void on_notify(union sigval value) {
    char c = value.sival_int == 55 ? 'n' : '?';
    if (write(notify_pipe[1], &c, 1) != 1) _exit(3);
}

static void test_posix_thread(void) {
    CHECK(pipe(notify_pipe) == 0, "pipe");
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_THREAD;
    sev.sigev_notify_function = on_notify;
    sev.sigev_value.sival_int = 55;
    timer_t timer;
    CHECK(timer_create(CLOCK_MONOTONIC, &sev, &timer) == 0, "timer_create");
    struct itimerspec spec = { { 0, 2000000 }, { 0, 2000000 } };
    CHECK(timer_settime(timer, 0, &spec, NULL) == 0, "timer_settime");
    char got[4] = { 0 };
    for (int i = 0; i < 3; i++) CHECK(read(notify_pipe[0], &got[i], 1) == 1, "read notification");
    CHECK(timer_delete(timer) == 0, "timer_delete");
    printf("SIGEV_THREAD: notifications '%s'\n", got);
    CHECK(strcmp(got, "nnn") == 0, "notifications");
    /* Notification threads still running may write to the pipe; it stays open until exit. */
}

static void test_timerfd(void) {
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    CHECK(fd >= 0, "timerfd_create");
    struct itimerspec spec = { { 0, 2000000 }, { 0, 2000000 } };
    CHECK(timerfd_settime(fd, 0, &spec, NULL) == 0, "timerfd_settime");
    uint64_t total = 0;
    int reads = 0;
    printf("timerfd reads:");
    while (total < 3 && reads < 100) {
        uint64_t n = 0;
        CHECK(read(fd, &n, sizeof n) == sizeof n, "read timerfd");
        printf(" %llu", (unsigned long long)n);
        total += n;
        reads++;
    }
    printf(" (total %llu)\n", (unsigned long long)total);
    struct itimerspec off = { { 0, 0 }, { 0, 0 } }, old;
    CHECK(timerfd_settime(fd, 0, &off, &old) == 0, "timerfd_settime (disarm)");
    CHECK(timerfd_gettime(fd, &old) == 0, "timerfd_gettime");
    printf("timerfd disarmed: %s\n", old.it_value.tv_sec == 0 && old.it_value.tv_nsec == 0 ? "yes" : "no");
    close(fd);
    fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    CHECK(fd >= 0, "timerfd_create");
    uint64_t n;
    errno = 0;
    printf("non-blocking timerfd never armed: %s\n", read(fd, &n, sizeof n) < 0 && errno == EAGAIN ? "EAGAIN" : "data");
    close(fd);
}

int main(void) {
    test_alarm();
    test_itimer_real();
    test_posix_signal();
    test_posix_thread();
    test_timerfd();
    printf("done\n");
    return 0;
}
