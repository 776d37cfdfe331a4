/* prctl_misc: assorted per-process state syscalls: prctl (PR_SET_NAME /
 * PR_GET_NAME, PR_GET_DUMPABLE, PR_SET_PDEATHSIG query), arch_prctl
 * (ARCH_GET_FS), umask, personality query, sched_yield, sched_getscheduler,
 * the raw getcpu syscall, set_tid_address. */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

int main(void) {
    char name[17] = {0};
    CHECK(prctl(PR_GET_NAME, name) == 0, "PR_GET_NAME");
    printf("initial comm: %s\n", name);
    CHECK(prctl(PR_SET_NAME, "renamed-task") == 0, "PR_SET_NAME");
    CHECK(prctl(PR_GET_NAME, name) == 0, "PR_GET_NAME again");
    printf("comm after PR_SET_NAME: %s\n", name);
    CHECK(strcmp(name, "renamed-task") == 0, "name set");

    int dumpable = prctl(PR_GET_DUMPABLE);
    int pdeath = -1;
    CHECK(prctl(PR_GET_PDEATHSIG, &pdeath) == 0, "PR_GET_PDEATHSIG");
    printf("dumpable=%d pdeathsig=%d\n", dumpable, pdeath);

    unsigned long fsbase = 0;
    CHECK(syscall(SYS_arch_prctl, ARCH_GET_FS, &fsbase) == 0, "arch_prctl ARCH_GET_FS");
    unsigned long self;
    __asm__("mov %%fs:0, %0" : "=r"(self));  /* TLS block points to itself */
    printf("fs base %#lx (equals %%fs:0: %s)\n", fsbase, fsbase == self ? "yes" : "no");
    CHECK(fsbase == self, "fs base");

    mode_t old = umask(027);
    mode_t mid = umask(old);
    printf("umask was %03o, set to %03o\n", old, mid);
    CHECK(mid == 027, "umask roundtrip");

    int pers = personality(0xffffffff);
    printf("personality = %#x (ADDR_NO_RANDOMIZE %s)\n", pers, (pers & ADDR_NO_RANDOMIZE) ? "set" : "clear");

    CHECK(sched_yield() == 0, "sched_yield");
    int pol = sched_getscheduler(0);
    printf("sched_yield ok; scheduler policy %s\n", pol == SCHED_OTHER ? "SCHED_OTHER" : "other");

    unsigned cpu = 99, node = 99;
    CHECK(syscall(SYS_getcpu, &cpu, &node, NULL) == 0, "getcpu");
    printf("getcpu: cpu %u node %u\n", cpu, node);

    /* set_tid_address returns the caller's tid. Pointing it at a dummy
     * variable is harmless: at exit the kernel merely zeroes that word. */
    static int dummy;
    long tid = syscall(SYS_set_tid_address, &dummy);
    printf("set_tid_address returned our tid: %s\n", tid == getpid() ? "yes" : "no");
    CHECK(tid == getpid(), "set_tid_address");
    fprintf(stderr, "prctl_misc: done\n");
    return 0;
}
