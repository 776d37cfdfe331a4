/* gettimeofday: gettimeofday() and time() via the vDSO and via raw syscalls;
 * checks they agree to within a couple of seconds. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

int main(void) {
    struct timeval tv, tv2;
    CHECK(gettimeofday(&tv, NULL) == 0, "gettimeofday");
    time_t t1 = time(NULL), t2;
    CHECK(time(&t2) == t2, "time(&t)");
    printf("gettimeofday: %lld.%06ld\n", (long long)tv.tv_sec, (long)tv.tv_usec);
    printf("time(NULL):   %lld\ntime(&t):     %lld\n", (long long)t1, (long long)t2);
    CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000, "usec range");
    CHECK(t1 >= tv.tv_sec && t1 - tv.tv_sec <= 2 && t2 >= t1, "time agrees with gettimeofday");

    /* Raw syscalls, bypassing the vDSO. */
    CHECK(syscall(SYS_gettimeofday, &tv2, NULL) == 0, "raw gettimeofday");
    long t3 = syscall(SYS_time, NULL);
    printf("raw gettimeofday: %lld.%06ld\nraw time: %ld\n", (long long)tv2.tv_sec, (long)tv2.tv_usec, t3);
    CHECK(tv2.tv_sec >= tv.tv_sec && t3 >= t1 && t3 - t1 <= 2, "raw values agree");

    /* Successive gettimeofday values do not go backwards (no clock steps expected). */
    long long prev = 0, backwards = 0;
    for (int i = 0; i < 1000; i++) {
        CHECK(gettimeofday(&tv2, NULL) == 0, "gettimeofday loop");
        long long now = tv2.tv_sec * 1000000LL + tv2.tv_usec;
        backwards += now < prev;
        prev = now;
    }
    printf("1000 calls spanned %lld us, backwards steps: %lld\n",
           prev - (tv.tv_sec * 1000000LL + tv.tv_usec), backwards);

    /* Timezone argument: obsolete but still filled in. */
    struct timezone tz;
    CHECK(gettimeofday(&tv2, &tz) == 0, "gettimeofday tz");
    printf("timezone: minuteswest=%d dsttime=%d\n", tz.tz_minuteswest, tz.tz_dsttime);

    struct tm tm;
    CHECK(gmtime_r(&t1, &tm) != NULL, "gmtime_r");
    char s[64];
    strftime(s, sizeof s, "%Y-%m-%d %H:%M:%S UTC", &tm);
    printf("now: %s\n", s);
    fprintf(stderr, "gettimeofday: time is %lld\n", (long long)t1);
    return 0;
}
