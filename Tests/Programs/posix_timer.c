/* posix_timer: timer_create with SIGEV_NONE (no signal is ever sent), timer_settime (with the
 * old value), timer_gettime, timer_getoverrun and timer_delete; the remaining time is printed
 * only as a range, and a deleted timer's id gives EINVAL. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); return 3; } } while (0)

int main(void) {
    struct sigevent event;
    memset(&event, 0, sizeof event);
    event.sigev_notify = SIGEV_NONE;
    timer_t timer = (timer_t)-1;
    CHECK(timer_create(CLOCK_MONOTONIC, &event, &timer) == 0, "timer_create");
    printf("timer created: %s\n", timer != (timer_t)-1 ? "yes" : "no");

    struct itimerspec setting = {{0, 0}, {100, 0}}, old;
    memset(&old, 0x55, sizeof old);
    CHECK(timer_settime(timer, 0, &setting, &old) == 0, "timer_settime");
    printf("old value: %ld.%09ld\n", (long)old.it_value.tv_sec, old.it_value.tv_nsec);

    struct itimerspec now;
    CHECK(timer_gettime(timer, &now) == 0, "timer_gettime");
    printf("remaining between 90 and 100 s: %s, interval %ld\n",
           now.it_value.tv_sec >= 90 && now.it_value.tv_sec < 100 ? "yes" : "no", (long)now.it_interval.tv_sec);
    printf("overrun: %d\n", timer_getoverrun(timer));

    CHECK(timer_settime(timer, 0, &(struct itimerspec){{0, 0}, {0, 0}}, &old) == 0, "timer_settime (disarm)");
    printf("old value before disarming between 90 and 100 s: %s\n", old.it_value.tv_sec >= 90 && old.it_value.tv_sec < 100 ? "yes" : "no");
    CHECK(timer_delete(timer) == 0, "timer_delete");
    errno = 0;
    int result = timer_gettime(timer, &now);
    printf("deleted timer: %d (%s)\n", result, errno == EINVAL ? "EINVAL" : strerror(errno));
    return 0;
}
