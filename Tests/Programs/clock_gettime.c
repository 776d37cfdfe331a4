/* clock_gettime: the vDSO-accelerated clocks (REALTIME, MONOTONIC, BOOTTIME,
 * *_COARSE, MONOTONIC_RAW) and the syscall-backed CPU-time clocks, plus
 * clock_getres and the raw syscall path. Values are nondeterministic. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

static const struct { clockid_t id; const char *name; } clocks[] = {
    { CLOCK_REALTIME, "CLOCK_REALTIME" },
    { CLOCK_MONOTONIC, "CLOCK_MONOTONIC" },
    { CLOCK_BOOTTIME, "CLOCK_BOOTTIME" },
    { CLOCK_MONOTONIC_RAW, "CLOCK_MONOTONIC_RAW" },
    { CLOCK_REALTIME_COARSE, "CLOCK_REALTIME_COARSE" },
    { CLOCK_MONOTONIC_COARSE, "CLOCK_MONOTONIC_COARSE" },
    { CLOCK_PROCESS_CPUTIME_ID, "CLOCK_PROCESS_CPUTIME_ID" },
    { CLOCK_THREAD_CPUTIME_ID, "CLOCK_THREAD_CPUTIME_ID" },
};

static long long ns(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

int main(void) {
    for (size_t i = 0; i < sizeof clocks / sizeof clocks[0]; i++) {
        struct timespec t, res;
        CHECK(clock_gettime(clocks[i].id, &t) == 0, clocks[i].name);
        CHECK(clock_getres(clocks[i].id, &res) == 0, "clock_getres");
        printf("%-25s %lld.%09ld  (res %ld ns)\n", clocks[i].name, (long long)t.tv_sec, t.tv_nsec, res.tv_nsec);
    }

    /* Monotonic clocks never go backwards; burn a little CPU in between. */
    struct timespec a, b, ca, cb;
    CHECK(clock_gettime(CLOCK_MONOTONIC, &a) == 0, "mono a");
    CHECK(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ca) == 0, "cpu a");
    volatile double x = 0;
    for (int i = 0; i < 200000; i++) x += i * 0.5;
    CHECK(clock_gettime(CLOCK_MONOTONIC, &b) == 0, "mono b");
    CHECK(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cb) == 0, "cpu b");
    printf("monotonic delta %lld ns, cpu delta %lld ns\n", ns(b) - ns(a), ns(cb) - ns(ca));
    CHECK(ns(b) >= ns(a) && ns(cb) >= ns(ca), "clocks monotonic");

    /* The raw syscall bypasses the vDSO. */
    struct timespec s;
    CHECK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &s) == 0, "raw clock_gettime");
    printf("raw syscall CLOCK_MONOTONIC %lld.%09ld, not before vDSO value: %s\n",
           (long long)s.tv_sec, s.tv_nsec, ns(s) >= ns(b) ? "yes" : "no");
    CHECK(ns(s) >= ns(b), "raw monotonic");

    /* An invalid clock id fails with EINVAL. */
    CHECK(clock_gettime((clockid_t)12345, &s) == -1 && errno == EINVAL, "invalid clock");
    printf("invalid clock id -> EINVAL\n");
    fprintf(stderr, "clock_gettime: done\n");
    return 0;
}
