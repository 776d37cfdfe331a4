/* readlink: symlink, readlink, readlinkat (AT_FDCWD and a dirfd),
 * readlink of /proc/self/exe and /proc/self/fd/N, EINVAL on a regular file. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

static char link_[64], target[64];
static void cleanup(void) { unlink(link_); unlink(target); }

int main(void) {
    int pid = (int)getpid();
    snprintf(link_, sizeof link_, "/tmp/rrtest_readlink_%d", pid);
    snprintf(target, sizeof target, "/tmp/rrtest_readlink_%d.target", pid);
    atexit(cleanup);

    /* A dangling symlink is fine for readlink. */
    CHECK(symlink("some/relative/target", link_) == 0, "symlink");
    char buf[PATH_MAX];
    ssize_t n = readlink(link_, buf, sizeof buf);  /* readlink does not NUL-terminate */
    CHECK(n > 0, "readlink");
    printf("readlink -> '%.*s' (%zd bytes)\n", (int)n, buf, n);
    CHECK(n == 20 && memcmp(buf, "some/relative/target", 20) == 0, "readlink content");

    /* Short buffer: result is silently truncated. */
    n = readlink(link_, buf, 4);
    CHECK(n == 4, "readlink short buffer");
    printf("readlink with 4-byte buffer -> '%.*s'\n", (int)n, buf);

    CHECK(unlink(link_) == 0, "unlink");
    int fd = open(target, O_CREAT | O_WRONLY, 0600);
    CHECK(fd >= 0, "create target");
    CHECK(symlink(target, link_) == 0, "symlink absolute");

    n = readlinkat(AT_FDCWD, link_, buf, sizeof buf);
    CHECK(n == (ssize_t)strlen(target) && memcmp(buf, target, n) == 0, "readlinkat AT_FDCWD");
    printf("readlinkat(AT_FDCWD) -> %.*s\n", (int)n, buf);

    int dfd = open("/tmp", O_RDONLY | O_DIRECTORY);
    CHECK(dfd >= 0, "open /tmp");
    n = readlinkat(dfd, strrchr(link_, '/') + 1, buf, sizeof buf);
    CHECK(n == (ssize_t)strlen(target), "readlinkat dirfd");
    printf("readlinkat(dirfd) -> %.*s\n", (int)n, buf);

    n = readlink(target, buf, sizeof buf);
    CHECK(n == -1 && errno == EINVAL, "readlink on regular file gives EINVAL");
    printf("readlink(regular file) -> EINVAL\n");

    n = readlink("/proc/self/exe", buf, sizeof buf);
    CHECK(n > 0, "readlink /proc/self/exe");
    printf("/proc/self/exe -> %.*s\n", (int)n, buf);

    char fdpath[64];
    snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
    n = readlink(fdpath, buf, sizeof buf);
    CHECK(n > 0, "readlink /proc/self/fd/N");
    printf("%s is the target: %s\n", "/proc/self/fd/N", n == (ssize_t)strlen(target) && !memcmp(buf, target, n) ? "yes" : "no");

    close(dfd);
    close(fd);
    fprintf(stderr, "readlink: done\n");
    return 0;
}
