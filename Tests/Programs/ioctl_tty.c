/* ioctl_tty: isatty (TCGETS) on fds 0/1/2, FIONREAD on a pipe, TIOCGWINSZ
 * on stdout (only success/failure printed), ENOTTY on a pipe, and FIONBIO.
 * Output depends on whether stdin/stdout/stderr are terminals. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <fcntl.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

int main(void) {
    for (int fd = 0; fd < 3; fd++) {
        errno = 0;
        int t = isatty(fd);
        const char *why = t ? "" : errno == ENOTTY ? " (ENOTTY)" : errno == EBADF ? " (EBADF: closed)" : " (other error)";
        printf("isatty(%d) = %d%s\n", fd, t, why);
    }

    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    int avail = -1;
    CHECK(ioctl(p[0], FIONREAD, &avail) == 0 && avail == 0, "FIONREAD empty");
    CHECK(write(p[1], "1234567", 7) == 7, "write");
    CHECK(ioctl(p[0], FIONREAD, &avail) == 0, "FIONREAD");
    printf("FIONREAD on pipe after writing 7 bytes: %d\n", avail);
    CHECK(avail == 7, "FIONREAD value");

    struct winsize ws;
    int r = ioctl(1, TIOCGWINSZ, &ws);
    printf("TIOCGWINSZ on stdout: %s\n", r == 0 ? "succeeded" : errno == ENOTTY ? "failed (ENOTTY)" : "failed (other)");

    /* A pipe is never a terminal. */
    struct termios tio;
    CHECK(tcgetattr(p[0], &tio) == -1 && errno == ENOTTY, "tcgetattr on pipe");
    CHECK(ioctl(p[0], TIOCGWINSZ, &ws) == -1 && errno == ENOTTY, "TIOCGWINSZ on pipe");
    printf("tcgetattr / TIOCGWINSZ on pipe -> ENOTTY\n");

    /* FIONBIO toggles O_NONBLOCK like fcntl does. */
    int on = 1;
    CHECK(ioctl(p[0], FIONBIO, &on) == 0, "FIONBIO");
    printf("after FIONBIO(1): O_NONBLOCK set = %s\n", (fcntl(p[0], F_GETFL) & O_NONBLOCK) ? "yes" : "no");
    CHECK(fcntl(p[0], F_GETFL) & O_NONBLOCK, "nonblock");

    /* /dev/null is a character device but not a tty. */
    int nfd = open("/dev/null", O_RDWR);
    CHECK(nfd >= 0, "open /dev/null");
    printf("isatty(/dev/null) = %d\n", isatty(nfd));
    close(nfd);
    close(p[0]); close(p[1]);
    fprintf(stderr, "ioctl_tty: done\n");
    return 0;
}
