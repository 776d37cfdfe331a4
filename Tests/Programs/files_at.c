/* files_at: the *at() family relative to a directory fd: mkdirat, openat,
 * renameat, renameat2(RENAME_NOREPLACE), linkat, symlinkat, fchmodat,
 * utimensat, fchownat (to ourselves), fstatat, unlinkat (file and dir). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

static char dir[64];
static int dfd = -1;

static void cleanup(void) {
    const char *names[] = { "a", "b", "c", "d", "sym" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) unlinkat(dfd, names[i], 0);
    unlinkat(dfd, "sub", AT_REMOVEDIR);
    rmdir(dir);
}

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/rrtest_files_at_%d", (int)getpid());
    CHECK(mkdir(dir, 0755) == 0, "mkdir");
    atexit(cleanup);
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    CHECK(dfd >= 0, "open dir");

    int fd = openat(dfd, "a", O_CREAT | O_EXCL | O_WRONLY, 0644);
    CHECK(fd >= 0, "openat create");
    CHECK(write(fd, "contents of a\n", 14) == 14, "write");
    close(fd);
    printf("openat(dirfd, \"a\", O_CREAT) ok\n");

    CHECK(renameat(dfd, "a", dfd, "b") == 0, "renameat");
    struct stat st;
    CHECK(fstatat(dfd, "a", &st, 0) == -1 && errno == ENOENT, "old name gone");
    CHECK(fstatat(dfd, "b", &st, 0) == 0 && st.st_size == 14, "new name present");
    printf("renameat a -> b ok (size %lld)\n", (long long)st.st_size);

    /* RENAME_NOREPLACE refuses to clobber an existing target. */
    fd = openat(dfd, "d", O_CREAT | O_WRONLY, 0600);
    CHECK(fd >= 0, "create d");
    close(fd);
    CHECK(renameat2(dfd, "d", dfd, "b", RENAME_NOREPLACE) == -1 && errno == EEXIST, "RENAME_NOREPLACE");
    printf("renameat2(RENAME_NOREPLACE) onto existing -> EEXIST\n");

    CHECK(fchmodat(dfd, "b", 0600, 0) == 0, "fchmodat");
    CHECK(fstatat(dfd, "b", &st, 0) == 0, "fstatat");
    printf("fchmodat -> mode %o\n", st.st_mode & 07777);
    CHECK((st.st_mode & 07777) == 0600, "mode");

    /* Fixed timestamps so the output is stable. */
    struct timespec ts[2] = { { 1000000000, 123 }, { 1234567890, 456789 } };
    CHECK(utimensat(dfd, "b", ts, 0) == 0, "utimensat");
    CHECK(fstatat(dfd, "b", &st, 0) == 0, "fstatat times");
    printf("utimensat -> atime %lld.%09ld mtime %lld.%09ld\n", (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
           (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    CHECK(st.st_mtim.tv_sec == 1234567890 && st.st_mtim.tv_nsec == 456789, "mtime");
    struct timespec omit[2] = { { 0, UTIME_OMIT }, { 0, UTIME_NOW } };
    CHECK(utimensat(dfd, "b", omit, 0) == 0, "utimensat OMIT/NOW");
    CHECK(fstatat(dfd, "b", &st, 0) == 0 && st.st_atim.tv_sec == 1000000000 && st.st_mtim.tv_sec > 1234567890,
          "UTIME_OMIT/UTIME_NOW");
    printf("utimensat(UTIME_OMIT, UTIME_NOW): atime kept, mtime now %lld\n", (long long)st.st_mtim.tv_sec);

    CHECK(fchownat(dfd, "b", getuid(), getgid(), 0) == 0, "fchownat");
    CHECK(fstatat(dfd, "b", &st, 0) == 0 && st.st_uid == getuid(), "owner");
    printf("fchownat to self ok (uid %u)\n", st.st_uid);

    CHECK(linkat(dfd, "b", dfd, "c", 0) == 0, "linkat");
    CHECK(fstatat(dfd, "c", &st, 0) == 0, "fstatat c");
    printf("linkat b -> c: nlink=%lu\n", (unsigned long)st.st_nlink);
    CHECK(st.st_nlink == 2, "nlink 2");

    CHECK(symlinkat("b", dfd, "sym") == 0, "symlinkat");
    CHECK(fstatat(dfd, "sym", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode), "symlink type");
    fd = openat(dfd, "sym", O_RDONLY);
    CHECK(fd >= 0, "open via symlink");
    char buf[32];
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    CHECK(n == 14, "read via symlink");
    printf("read through symlinkat link: %.*s", (int)n, buf);
    CHECK(openat(dfd, "sym", O_RDONLY | O_NOFOLLOW) == -1 && errno == ELOOP, "O_NOFOLLOW");
    printf("openat(O_NOFOLLOW) on symlink -> ELOOP\n");

    CHECK(mkdirat(dfd, "sub", 0700) == 0, "mkdirat");
    CHECK(unlinkat(dfd, "sub", 0) == -1 && errno == EISDIR, "unlinkat dir without flag");
    CHECK(unlinkat(dfd, "sub", AT_REMOVEDIR) == 0, "unlinkat AT_REMOVEDIR");
    printf("unlinkat(dir) -> EISDIR, with AT_REMOVEDIR ok\n");

    const char *names[] = { "sym", "c", "b", "d" };
    for (int i = 0; i < 4; i++) CHECK(unlinkat(dfd, names[i], 0) == 0, "unlinkat file");
    close(dfd);
    CHECK(rmdir(dir) == 0, "rmdir");
    printf("all removed\n");
    fprintf(stderr, "files_at: done\n");
    return 0;
}
