/* forbid ptrace|seccomp|perf PROGRAM ARGS...: runs PROGRAM as a restrictive container or
 * kernel would, without changing the machine for anyone else: a seccomp filter (which needs no
 * privilege) makes ptrace fail with EPERM, seccomp itself fail with EINVAL (a kernel without
 * CONFIG_SECCOMP_FILTER), or perf_event_open fail with EACCES (perf_event_paranoid 3).
 * Not in expected_status.txt: SystemPolicyTests run rr-launch under it. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DENY(nr, err)                                                \
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1),                 \
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (err))

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: forbid ptrace|seccomp|perf PROGRAM ARGS...\n");
        return 2;
    }
    unsigned int number, error;
    if (strcmp(argv[1], "ptrace") == 0) number = SYS_ptrace, error = EPERM;
    else if (strcmp(argv[1], "seccomp") == 0) number = SYS_seccomp, error = EINVAL;
    else if (strcmp(argv[1], "perf") == 0) number = SYS_perf_event_open, error = EACCES;
    else {
        fprintf(stderr, "forbid: unknown facility %s\n", argv[1]);
        return 2;
    }
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        DENY(number, error),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog program = {sizeof filter / sizeof filter[0], filter};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) != 0) {
        perror("forbid: seccomp");
        return 2;
    }
    execvp(argv[2], argv + 2);
    perror("forbid: exec");
    return 127;
}
