/* resources: getrlimit/setrlimit/prlimit, getrusage, times, sysinfo,
 * sched_getaffinity, sched_getcpu (vDSO/rseq), sysconf CPU counts. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/times.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

static void lim(const char *name, struct rlimit r) {
    printf("%-14s soft=", name);
    if (r.rlim_cur == RLIM_INFINITY) printf("unlimited"); else printf("%llu", (unsigned long long)r.rlim_cur);
    printf(" hard=");
    if (r.rlim_max == RLIM_INFINITY) printf("unlimited\n"); else printf("%llu\n", (unsigned long long)r.rlim_max);
}

int main(void) {
    struct rlimit r, r2;
    CHECK(getrlimit(RLIMIT_NOFILE, &r) == 0, "getrlimit NOFILE");
    lim("RLIMIT_NOFILE", r);
    CHECK(getrlimit(RLIMIT_STACK, &r2) == 0, "getrlimit STACK");
    lim("RLIMIT_STACK", r2);
    CHECK(getrlimit(RLIMIT_AS, &r2) == 0, "getrlimit AS");
    lim("RLIMIT_AS", r2);

    /* Lower the soft NOFILE limit (always allowed) and read it back. */
    struct rlimit lower = { r.rlim_cur < 200 ? r.rlim_cur : 200, r.rlim_max };
    CHECK(setrlimit(RLIMIT_NOFILE, &lower) == 0, "setrlimit");
    CHECK(getrlimit(RLIMIT_NOFILE, &r2) == 0 && r2.rlim_cur == lower.rlim_cur, "setrlimit took effect");
    printf("lowered NOFILE soft limit to %llu\n", (unsigned long long)r2.rlim_cur);

    /* prlimit on ourselves: set and get the old value atomically. */
    struct rlimit core0 = { 0, 0 }, oldcore;
    CHECK(getrlimit(RLIMIT_CORE, &oldcore) == 0, "getrlimit CORE");
    core0.rlim_max = oldcore.rlim_max;
    CHECK(prlimit(0, RLIMIT_CORE, &core0, &r2) == 0, "prlimit set");
    CHECK(r2.rlim_cur == oldcore.rlim_cur, "prlimit old value");
    CHECK(prlimit(getpid(), RLIMIT_CORE, NULL, &r2) == 0 && r2.rlim_cur == 0, "prlimit get");
    lim("RLIMIT_CORE", r2);

    /* Burn some CPU so rusage/times are non-trivial. */
    volatile double x = 1;
    for (int i = 0; i < 300000; i++) x = x * 1.0000001 + 1e-9;
    char *mem = malloc(1 << 20);
    CHECK(mem != NULL, "malloc");
    memset(mem, 1, 1 << 20);

    struct rusage ru;
    CHECK(getrusage(RUSAGE_SELF, &ru) == 0, "getrusage");
    printf("rusage: utime=%ld.%06ld stime=%ld.%06ld maxrss=%ld KiB minflt=%ld majflt=%ld nvcsw=%ld nivcsw=%ld\n",
           (long)ru.ru_utime.tv_sec, (long)ru.ru_utime.tv_usec, (long)ru.ru_stime.tv_sec,
           (long)ru.ru_stime.tv_usec, ru.ru_maxrss, ru.ru_minflt, ru.ru_majflt, ru.ru_nvcsw, ru.ru_nivcsw);
    CHECK(ru.ru_maxrss > 0 && ru.ru_minflt > 0, "rusage plausible");
    CHECK(getrusage(RUSAGE_CHILDREN, &ru) == 0, "getrusage children");
    printf("children utime=%ld.%06ld (no children)\n", (long)ru.ru_utime.tv_sec, (long)ru.ru_utime.tv_usec);
    free(mem);

    struct tms t;
    clock_t ticks = times(&t);
    CHECK(ticks != (clock_t)-1, "times");
    printf("times: elapsed=%ld utime=%ld stime=%ld (CLK_TCK %ld)\n", (long)ticks, (long)t.tms_utime,
           (long)t.tms_stime, sysconf(_SC_CLK_TCK));

    struct sysinfo si;
    CHECK(sysinfo(&si) == 0, "sysinfo");
    printf("sysinfo: uptime=%ld loads=%lu/%lu/%lu totalram=%lu freeram=%lu procs=%u mem_unit=%u\n",
           si.uptime, si.loads[0], si.loads[1], si.loads[2], si.totalram, si.freeram, si.procs, si.mem_unit);

    cpu_set_t set;
    CHECK(sched_getaffinity(0, sizeof set, &set) == 0, "sched_getaffinity");
    int cpu = sched_getcpu();
    CHECK(cpu >= 0, "sched_getcpu");
    printf("affinity: %d CPU(s); running on CPU %d (in set: %s)\n", CPU_COUNT(&set), cpu,
           CPU_ISSET(cpu, &set) ? "yes" : "no");
    printf("sysconf: nprocessors_conf=%ld onln=%ld\n", sysconf(_SC_NPROCESSORS_CONF), sysconf(_SC_NPROCESSORS_ONLN));

    int prio = (errno = 0, getpriority(PRIO_PROCESS, 0));
    CHECK(errno == 0, "getpriority");
    printf("nice value %d\n", prio);
    fprintf(stderr, "resources: done\n");
    return 0;
}
