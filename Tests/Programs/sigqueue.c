/* sigqueue: a signal with a value queued to the process itself (rt_sigqueueinfo) and to its own
 * thread (rt_tgsigqueueinfo), each caught by an SA_SIGINFO handler that stores the value and
 * code; a real-time signal queued three times while blocked is delivered three times. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); return 3; } } while (0)

static volatile int caught, last_value, last_code, last_signal;

static void handler(int signal, siginfo_t *info, void *context) {
    (void)context;
    caught++;
    last_signal = signal;
    last_value = info->si_value.sival_int;
    last_code = info->si_code;
}

int main(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = handler;
    action.sa_flags = SA_SIGINFO;
    CHECK(sigaction(SIGUSR1, &action, 0) == 0 && sigaction(SIGRTMIN, &action, 0) == 0, "sigaction");

    CHECK(sigqueue(getpid(), SIGUSR1, (union sigval){.sival_int = 42}) == 0, "sigqueue");
    printf("sigqueue: caught %d, value %d, SI_QUEUE %s\n", caught, last_value, last_code == SI_QUEUE ? "yes" : "no");

    siginfo_t info;
    memset(&info, 0, sizeof info);
    info.si_signo = SIGUSR1;
    info.si_code = SI_QUEUE;
    info.si_pid = getpid();
    info.si_uid = getuid();
    info.si_value.sival_int = 7;
    CHECK(syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), SIGUSR1, &info) == 0, "rt_tgsigqueueinfo");
    printf("rt_tgsigqueueinfo: caught %d, value %d\n", caught, last_value);

    sigset_t blocked, old;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGRTMIN);
    CHECK(sigprocmask(SIG_BLOCK, &blocked, &old) == 0, "sigprocmask");
    for (int i = 1; i <= 3; i++) CHECK(sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = 100 + i}) == 0, "sigqueue SIGRTMIN");
    printf("queued while blocked: caught %d\n", caught);
    CHECK(sigprocmask(SIG_SETMASK, &old, 0) == 0, "sigprocmask");
    printf("after unblocking: caught %d, last value %d, real-time %s\n", caught, last_value, last_signal == SIGRTMIN ? "yes" : "no");

    errno = 0;
    int result = sigqueue(getpid(), 12345, (union sigval){0});
    printf("bad signal: %d (%s)\n", result, errno == EINVAL ? "EINVAL" : strerror(errno));
    return 0;
}
