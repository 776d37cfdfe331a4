/* stat_family: stat, fstat, lstat, fstatat, statx, access, faccessat on a
 * regular file and a symlink created in /tmp. Prints sizes, types, modes
 * and (nondeterministic) inode numbers / mtimes that replay must reproduce. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

static char file[64], link_[64];
static void cleanup(void) { unlink(link_); unlink(file); }

static const char *kind(mode_t m) {
    return S_ISREG(m) ? "regular" : S_ISLNK(m) ? "symlink" : S_ISDIR(m) ? "directory" :
           S_ISCHR(m) ? "chardev" : "other";
}

int main(void) {
    snprintf(file, sizeof file, "/tmp/rrtest_stat_%d", (int)getpid());
    snprintf(link_, sizeof link_, "/tmp/rrtest_stat_%d.lnk", (int)getpid());
    atexit(cleanup);

    int fd = open(file, O_CREAT | O_EXCL | O_RDWR, 0640);
    CHECK(fd >= 0, "create file");
    CHECK(fchmod(fd, 0640) == 0, "fchmod (defeat umask)");
    CHECK(write(fd, "hello stat\n", 11) == 11, "write");
    CHECK(symlink(file, link_) == 0, "symlink");

    struct stat s1, s2, s3, s4;
    CHECK(stat(file, &s1) == 0, "stat");
    CHECK(fstat(fd, &s2) == 0, "fstat");
    CHECK(lstat(link_, &s3) == 0, "lstat");
    CHECK(fstatat(AT_FDCWD, link_, &s4, 0) == 0, "fstatat follow");
    printf("stat:    %s size=%lld mode=%o nlink=%lu ino=%llu mtime=%lld\n", kind(s1.st_mode),
           (long long)s1.st_size, s1.st_mode & 07777, (unsigned long)s1.st_nlink,
           (unsigned long long)s1.st_ino, (long long)s1.st_mtime);
    printf("fstat:   %s size=%lld same inode as stat: %s\n", kind(s2.st_mode), (long long)s2.st_size,
           s1.st_ino == s2.st_ino && s1.st_dev == s2.st_dev ? "yes" : "no");
    printf("lstat:   %s size=%lld (length of target path %zu)\n", kind(s3.st_mode),
           (long long)s3.st_size, strlen(file));
    printf("fstatat: %s size=%lld (follows link)\n", kind(s4.st_mode), (long long)s4.st_size);
    CHECK(S_ISREG(s1.st_mode) && s1.st_size == 11 && (s1.st_mode & 07777) == 0640, "stat values");
    CHECK(S_ISLNK(s3.st_mode) && s3.st_size == (off_t)strlen(file), "lstat values");
    CHECK(s4.st_ino == s1.st_ino, "fstatat follows symlink");

    /* fstatat relative to a directory fd, without following the link. */
    int dfd = open("/tmp", O_RDONLY | O_DIRECTORY);
    CHECK(dfd >= 0, "open /tmp");
    CHECK(fstatat(dfd, strrchr(link_, '/') + 1, &s4, AT_SYMLINK_NOFOLLOW) == 0, "fstatat nofollow");
    printf("fstatat(dirfd, NOFOLLOW): %s\n", kind(s4.st_mode));
    CHECK(S_ISLNK(s4.st_mode), "fstatat nofollow gives symlink");
    /* AT_EMPTY_PATH stats the fd itself. */
    CHECK(fstatat(fd, "", &s4, AT_EMPTY_PATH) == 0 && s4.st_ino == s1.st_ino, "fstatat AT_EMPTY_PATH");

    struct statx sx;
    CHECK(statx(AT_FDCWD, file, 0, STATX_BASIC_STATS | STATX_BTIME, &sx) == 0, "statx");
    printf("statx:   size=%llu mode=%o basic stats present: %s, btime=%lld\n",
           (unsigned long long)sx.stx_size, sx.stx_mode & 07777,
           (sx.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS ? "yes" : "no",
           (sx.stx_mask & STATX_BTIME) ? (long long)sx.stx_btime.tv_sec : -1LL);
    CHECK(sx.stx_size == 11 && sx.stx_ino == s1.st_ino, "statx values");

    struct stat sd;
    CHECK(stat("/dev/null", &sd) == 0, "stat /dev/null");
    printf("/dev/null: %s rdev=%u:%u\n", kind(sd.st_mode), major(sd.st_rdev), minor(sd.st_rdev));

    /* access: the file has no execute bits, so X_OK fails even for root. */
    printf("access F_OK=%d R_OK=%d W_OK=%d\n", access(file, F_OK), access(file, R_OK), access(file, W_OK));
    int r = access(file, X_OK);
    printf("access X_OK=%d (%s)\n", r, r ? strerror(errno) : "ok");
    CHECK(r == -1 && errno == EACCES, "access X_OK on non-executable");
    r = access("/tmp/rrtest_stat_does_not_exist", F_OK);
    CHECK(r == -1 && errno == ENOENT, "access missing file");
    printf("access(missing) -> ENOENT\n");
    CHECK(faccessat(dfd, strrchr(file, '/') + 1, R_OK, 0) == 0, "faccessat");
    CHECK(faccessat(AT_FDCWD, link_, R_OK, AT_EACCESS) == 0, "faccessat AT_EACCESS");
    printf("faccessat ok\n");

    close(dfd);
    close(fd);
    fprintf(stderr, "stat_family: done\n");
    return 0;
}
