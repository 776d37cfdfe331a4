/* ids: process and credential identifiers: getpid, getppid, gettid, getuid,
 * geteuid, getgid, getegid, getresuid, getresgid, getgroups, getpgrp,
 * getpgid, getsid. pids are nondeterministic; replay must reproduce them. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

int main(void) {
    pid_t pid = getpid(), ppid = getppid(), tid = gettid();
    printf("pid=%d ppid=%d tid=%d (tid==pid: %s)\n", pid, ppid, tid, tid == pid ? "yes" : "no");
    CHECK(tid == pid, "single-threaded tid == pid");

    printf("uid=%u euid=%u gid=%u egid=%u\n", getuid(), geteuid(), getgid(), getegid());
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    CHECK(getresuid(&ru, &eu, &su) == 0, "getresuid");
    CHECK(getresgid(&rg, &eg, &sg) == 0, "getresgid");
    printf("resuid=%u/%u/%u resgid=%u/%u/%u\n", ru, eu, su, rg, eg, sg);
    CHECK(ru == getuid() && eu == geteuid() && rg == getgid() && eg == getegid(), "res ids agree");

    int n = getgroups(0, NULL);
    CHECK(n >= 0, "getgroups(0)");
    gid_t groups[256];
    CHECK(n <= 256, "too many groups");
    CHECK(getgroups(n, groups) == n, "getgroups");
    printf("getgroups: %d group(s):", n);
    for (int i = 0; i < n; i++) printf(" %u", groups[i]);
    printf("\n");

    pid_t pgrp = getpgrp(), sid = getsid(0);
    CHECK(pgrp > 0 && sid >= 0, "getpgrp/getsid");
    printf("pgrp=%d pgid(0)=%d sid=%d\n", pgrp, getpgid(0), sid);
    CHECK(getpgid(0) == pgrp && getsid(pid) == sid, "pgid/sid agree");
    printf("am process group leader: %s, session leader: %s\n", pgrp == pid ? "yes" : "no", sid == pid ? "yes" : "no");

    /* getsid on a nonexistent process fails with ESRCH. */
    CHECK(getsid(0x3fffffff) == -1 && errno == ESRCH, "getsid ESRCH");
    printf("getsid(bogus pid) -> ESRCH\n");
    fprintf(stderr, "ids: pid %d\n", pid);
    return 0;
}
