/* unknown_syscalls: syscall numbers the kernel does not know, syscalls the recorder does not
 * model, and operations of modelled multiplexed calls (ioctl, fcntl, prctl, futex) it does not
 * know, each made twice. Lines starting "native:" are what the kernel itself answers (ENOSYS,
 * ENOTTY, EINVAL), the same natively and recorded; lines starting "refused:" are calls that may
 * succeed natively but get ENOSYS under the recorder, which does not run them; their results
 * are printed only as they come, for record and replay to compare. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

static const char *error_name(int error) {
    switch (error) {
    case 0: return "none";
    case ENOSYS: return "ENOSYS";
    case ENOTTY: return "ENOTTY";
    case EINVAL: return "EINVAL";
    case EPERM: return "EPERM";
    case EFAULT: return "EFAULT";
    default: return "other";
    }
}

static void report(const char *kind, const char *what, long result) {
    int error = result < 0 ? errno : 0;
    printf("%s %s = %ld (%s)\n", kind, what, result < 0 ? -1 : result, error_name(error));
}

int main(void) {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) { printf("FAIL pipe: %s\n", strerror(errno)); return 3; }
    for (int round = 0; round < 2; round++) {
        /* Known operations first: with syscall buffering they patch the syscall sites, so that
         * the unknown ones go through the preload library to the supervisor the second time. */
        int available = -1;
        report("native:", "ioctl(pipe, FIONREAD)", ioctl(pipe_fds[0], FIONREAD, &available));
        report("native:", "fcntl(pipe, F_GETFD)", fcntl(pipe_fds[0], F_GETFD));
        errno = 0;
        report("native:", "syscall(-1)", syscall(-1));
        report("native:", "syscall(1000)", syscall(1000, 0, 0, 0, 0, 0, 0));
        report("native:", "syscall(1001)", syscall(1001, 0, 0, 0, 0, 0, 0));
        report("native:", "syscall(400)", syscall(400));
        report("native:", "syscall(100000)", syscall(100000));
        report("native:", "ioctl(pipe, 0x787f)", ioctl(pipe_fds[0], 0x787f, 0));
        report("native:", "fcntl(pipe, 0x7fff)", fcntl(pipe_fds[0], 0x7fff, 0));
        report("native:", "prctl(0x7fff1234)", prctl(0x7fff1234, 0, 0, 0, 0));
        int word = 0;
        report("native:", "futex(op 15)", syscall(SYS_futex, &word, 15, 0, 0, 0, 0));

        /* Known to the kernel, harmless natively (also as root), not in the recorder's model. */
        report("refused:", "unshare(0)", syscall(SYS_unshare, 0));
        struct timex query;
        memset(&query, 0, sizeof query); /* modes 0: only reads the clock's state */
        report("refused:", "clock_adjtime(query)", syscall(SYS_clock_adjtime, CLOCK_REALTIME, &query));
        report("refused:", "bpf(bad command)", syscall(SYS_bpf, -1, 0, 0));
        report("refused:", "syslog(size)", syscall(SYS_syslog, 10, 0, 0));
    }
    printf("done\n");
    return 0;
}
