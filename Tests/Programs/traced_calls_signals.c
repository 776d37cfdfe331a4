/* traced_calls_signals: 200 rounds, each arming a one-shot 2 ms ITIMER_REAL and then writing
 * nothing to stdout (zero-byte writes) until the SIGALRM handler has run. Writes to descriptors
 * 0-2 stay traced, so once its call site is patched the loop's only syscall goes through the
 * syscall page's traced slot, and the thread spends its user time in the preload library: a
 * signal that lands there is deferred (held back until the thread is out of the buffering code)
 * and must be delivered at the next such write. A recorder that waited for the thread to leave
 * the buffering code instead never delivered it (6 of 7 recordings hung in a round). Prints the
 * rounds, the writes and the longest round, which replay must reproduce. */
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t alarms;

static void on_alarm(int signal) {
    (void)signal;
    alarms++;
}

int main(void) {
    struct sigaction action = {0};
    action.sa_handler = on_alarm;
    action.sa_flags = SA_RESTART;
    if (sigaction(SIGALRM, &action, NULL) != 0) return 3;
    enum { rounds = 200 };
    long writes = 0, longest = 0;
    for (int round = 0; round < rounds; round++) {
        int before = alarms;
        struct itimerval once = {{0, 0}, {0, 2000}};
        if (setitimer(ITIMER_REAL, &once, NULL) != 0) return 3;
        long n = 0;
        while (alarms == before) {
            if (write(1, "", 0) != 0) return 3;
            n++;
        }
        writes += n;
        if (n > longest) longest = n;
    }
    printf("%d rounds, %ld writes, longest %ld\n", rounds, writes, longest);
    return 0;
}
