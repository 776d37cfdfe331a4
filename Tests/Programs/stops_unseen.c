/* The supervisor's own stops are never seen by the program. It stops a thread with SIGSTOP (to
 * preempt it, or to deliver a signal that arrived in the syscall-buffering code), and a stop cuts
 * short some syscalls with EINTR even without a handler: sigtimedwait is one (signal(7)). Here a
 * periodic SIGALRM with a handler lands often in buffered syscalls, each followed by a wait in
 * sigtimedwait for a signal that never comes. An EINTR from sigtimedwait is legitimate only when
 * the handler ran during it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t alarms;

static void on_alarm(int signal) { (void)signal; alarms++; }

int main(void) {
    struct sigaction action = { .sa_handler = on_alarm };
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGALRM, &action, NULL) != 0) { perror("sigaction"); return 1; }
    sigset_t waited;
    sigemptyset(&waited);
    sigaddset(&waited, SIGUSR1);
    if (sigprocmask(SIG_BLOCK, &waited, NULL) != 0) { perror("sigprocmask"); return 1; }
    int zero = open("/dev/zero", O_RDONLY);
    if (zero < 0) { perror("/dev/zero"); return 1; }
    struct itimerval every = { { 0, 700 }, { 0, 700 } };
    if (setitimer(ITIMER_REAL, &every, NULL) != 0) { perror("setitimer"); return 1; }

    int phantoms = 0, waits = 0;
    for (int round = 0; round < 100; round++) {
        char byte;
        for (int call = 0; call < 100; call++) (void)!read(zero, &byte, 1);  /* buffered */
        sig_atomic_t before = alarms;
        struct timespec timeout = { 0, 3000000 };
        int r = sigtimedwait(&waited, NULL, &timeout);
        if (r < 0 && errno == EINTR && alarms == before) phantoms++;
        waits++;
    }
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &off, NULL);
    printf("%d waits, EINTR without a handler: %d\n", waits, phantoms);
    if (phantoms) printf("FAIL: sigtimedwait was cut short by a stop the program never saw\n");
    return phantoms ? 1 : 0;
}
