/* nanosleep: nanosleep and clock_nanosleep (relative and TIMER_ABSTIME)
 * for 1 ms each, measured with CLOCK_MONOTONIC and printed in coarse
 * buckets (the exact ns values are printed too; replay must reproduce them). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

static long long now(void) {
    struct timespec t;
    CHECK(clock_gettime(CLOCK_MONOTONIC, &t) == 0, "clock_gettime");
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static const char *bucket(long long ns) {
    return ns < 1000000 ? "<1ms (too short!)" : ns < 2000000 ? "1-2ms" : ns < 10000000 ? "2-10ms" : ">=10ms";
}

int main(void) {
    const struct timespec ms = { 0, 1000000 };
    long long t0 = now();
    CHECK(nanosleep(&ms, NULL) == 0, "nanosleep");
    long long t1 = now();
    printf("nanosleep(1ms):                    %-8s elapsed %lld ns\n", bucket(t1 - t0), t1 - t0);

    struct timespec rem = { 99, 99 };
    CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &ms, &rem) == 0, "clock_nanosleep rel");
    long long t2 = now();
    printf("clock_nanosleep(MONOTONIC, 1ms):   %-8s elapsed %lld ns\n", bucket(t2 - t1), t2 - t1);

    struct timespec abs;
    CHECK(clock_gettime(CLOCK_MONOTONIC, &abs) == 0, "clock_gettime abs");
    abs.tv_nsec += 1000000;
    if (abs.tv_nsec >= 1000000000) { abs.tv_sec++; abs.tv_nsec -= 1000000000; }
    long long target = abs.tv_sec * 1000000000LL + abs.tv_nsec;
    CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL) == 0, "clock_nanosleep abs");
    long long t3 = now();
    printf("clock_nanosleep(TIMER_ABSTIME +1ms): woke %s the deadline, elapsed %lld ns\n",
           t3 >= target ? "after" : "BEFORE", t3 - t2);

    /* A deadline in the past returns immediately. */
    abs.tv_sec -= 10;
    CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL) == 0, "past deadline");
    CHECK(clock_nanosleep(CLOCK_REALTIME, 0, &ms, NULL) == 0, "clock_nanosleep REALTIME");
    CHECK(usleep(1000) == 0, "usleep");
    long long t4 = now();
    printf("past deadline + REALTIME 1ms + usleep(1000): took >= 2ms: %s, elapsed %lld ns\n",
           t4 - t3 >= 2000000 ? "yes" : "no", t4 - t3);

    /* Invalid argument: tv_nsec out of range. */
    struct timespec bad = { 0, 1000000000 };
    CHECK(nanosleep(&bad, NULL) == -1 && errno == EINVAL, "nanosleep EINVAL");
    CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &bad, NULL) == EINVAL, "clock_nanosleep EINVAL");  /* returns the error */
    printf("invalid tv_nsec -> EINVAL\n");
    fprintf(stderr, "nanosleep: total %lld us\n", (t4 - t0) / 1000);
    return 0;
}
