/* file_io: basic file syscalls on a pid-unique file in /tmp:
 * creat, open, write, read, lseek, pread, pwrite, ftruncate, fstat, unlink. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

static char path[64];
static void cleanup(void) { unlink(path); }  /* also runs on FAIL exits */

int main(void) {
    snprintf(path, sizeof path, "/tmp/rrtest_file_io_%d", (int)getpid());
    atexit(cleanup);

    int fd = creat(path, 0644);
    CHECK(fd >= 0, "creat");
    const char *msg = "0123456789abcdefghijklmnopqrstuvwxyz\n";
    ssize_t n = write(fd, msg, strlen(msg));
    CHECK(n == (ssize_t)strlen(msg), "write");
    CHECK(close(fd) == 0, "close");

    fd = open(path, O_RDWR);
    CHECK(fd >= 0, "open O_RDWR");
    char buf[128];
    n = read(fd, buf, sizeof buf);
    CHECK(n == (ssize_t)strlen(msg), "read whole file");
    printf("read %zd bytes: %.*s", n, (int)n, buf);
    n = read(fd, buf, sizeof buf);
    CHECK(n == 0, "read at EOF");
    printf("read at EOF returned 0\n");

    off_t off = lseek(fd, 10, SEEK_SET);
    CHECK(off == 10, "lseek SEEK_SET");
    n = read(fd, buf, 5);
    CHECK(n == 5 && memcmp(buf, "abcde", 5) == 0, "read after lseek");
    off = lseek(fd, -3, SEEK_CUR);
    CHECK(off == 12, "lseek SEEK_CUR");
    off = lseek(fd, 0, SEEK_END);
    printf("lseek SEEK_END -> %lld\n", (long long)off);
    CHECK(off == (off_t)strlen(msg), "lseek SEEK_END");

    /* pread/pwrite must not move the file offset. */
    n = pread(fd, buf, 4, 20);
    CHECK(n == 4, "pread");
    printf("pread(20,4) = %.4s\n", buf);
    n = pwrite(fd, "XYZ", 3, 0);
    CHECK(n == 3, "pwrite");
    CHECK(lseek(fd, 0, SEEK_CUR) == off, "offset unchanged by pread/pwrite");

    /* Write past EOF creates a hole that reads back as zeros. */
    n = pwrite(fd, "END", 3, 100);
    CHECK(n == 3, "pwrite past EOF");
    n = pread(fd, buf, sizeof buf, 0);
    CHECK(n == 103, "pread whole file after hole");
    int zeros = 0;
    for (int i = 37; i < 100; i++) zeros += buf[i] == 0;
    printf("after pwrite: first 10 = %.10s, hole zero bytes = %d, tail = %.3s\n", buf, zeros, buf + 100);

    CHECK(ftruncate(fd, 7) == 0, "ftruncate");
    struct stat st;
    CHECK(fstat(fd, &st) == 0, "fstat");
    printf("after ftruncate(7): size = %lld\n", (long long)st.st_size);
    CHECK(st.st_size == 7, "size after ftruncate");
    CHECK(lseek(fd, 0, SEEK_SET) == 0, "rewind");
    n = read(fd, buf, sizeof buf);
    CHECK(n == 7, "read truncated");
    printf("truncated content: %.7s\n", buf);

    /* O_APPEND writes always go to the end. */
    int afd = open(path, O_WRONLY | O_APPEND);
    CHECK(afd >= 0, "open O_APPEND");
    CHECK(write(afd, "++", 2) == 2, "append write");
    CHECK(fstat(afd, &st) == 0 && st.st_size == 9, "size after append");
    printf("after append: size = %lld\n", (long long)st.st_size);
    close(afd);
    close(fd);

    CHECK(unlink(path) == 0, "unlink");
    CHECK(open(path, O_RDONLY) < 0 && errno == ENOENT, "open after unlink gives ENOENT");
    printf("unlinked; reopen fails with ENOENT\n");
    fprintf(stderr, "file_io: done\n");
    return 0;
}
