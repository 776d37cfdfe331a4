/* directories: mkdir, chdir/fchdir, getcwd, getdents64 (via opendir/readdir),
 * rmdir, and the EEXIST / ENOTEMPTY error paths. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

static char dir[64];
static const char *files[] = { "alpha", "beta", "gamma", "delta.txt" };
#define NFILES (sizeof files / sizeof files[0])

static void cleanup(void) {
    char p[128];
    for (size_t i = 0; i < NFILES; i++) { snprintf(p, sizeof p, "%s/%s", dir, files[i]); unlink(p); }
    snprintf(p, sizeof p, "%s/subdir", dir);
    rmdir(p);
    rmdir(dir);
}

static int cmp(const void *a, const void *b) { return strcmp(a, b); }

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/rrtest_dirs_%d", (int)getpid());
    atexit(cleanup);

    int origfd = open(".", O_RDONLY | O_DIRECTORY);  /* to come back with fchdir */
    CHECK(origfd >= 0, "open .");
    char cwd[PATH_MAX];

    CHECK(mkdir(dir, 0755) == 0, "mkdir");
    CHECK(mkdir(dir, 0755) == -1 && errno == EEXIST, "mkdir existing gives EEXIST");
    printf("mkdir ok; second mkdir -> EEXIST\n");
    CHECK(chdir(dir) == 0, "chdir");
    CHECK(getcwd(cwd, sizeof cwd) != NULL, "getcwd");
    printf("cwd is our dir: %s\n", strcmp(cwd, dir) == 0 ? "yes" : "no");
    printf("getcwd = %s\n", cwd);

    for (size_t i = 0; i < NFILES; i++) {
        int fd = open(files[i], O_CREAT | O_WRONLY, 0644);  /* relative to new cwd */
        CHECK(fd >= 0, "create file");
        CHECK(write(fd, files[i], strlen(files[i])) == (ssize_t)strlen(files[i]), "write");
        close(fd);
    }
    CHECK(mkdir("subdir", 0700) == 0, "mkdir subdir");

    /* Raw readdir order depends on the filesystem; print it (replay must match),
     * then a sorted listing for readability. */
    DIR *d = opendir(".");
    CHECK(d != NULL, "opendir");
    static char names[16][300];
    int n = 0;
    struct dirent *e;
    printf("raw order:");
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        printf(" %s", e->d_name);
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            CHECK(n < 16, "too many entries");
            /* mark directories with a trailing slash, using d_type */
            snprintf(names[n++], sizeof names[0], "%s%s", e->d_name, e->d_type == DT_DIR ? "/" : "");
        }
    }
    CHECK(errno == 0, "readdir");
    printf("\n");
    qsort(names, n, sizeof names[0], cmp);
    printf("sorted (%d entries):", n);
    for (int i = 0; i < n; i++) printf(" %s", names[i]);
    printf("\n");
    CHECK(n == (int)NFILES + 1, "entry count");

    /* rewinddir + count again. */
    rewinddir(d);
    int again = 0;
    while (readdir(d) != NULL) again++;
    printf("after rewinddir: %d entries including . and ..\n", again);
    CHECK(again == n + 2, "count after rewind");
    closedir(d);

    CHECK(rmdir(dir) == -1 && (errno == ENOTEMPTY || errno == EEXIST), "rmdir non-empty fails");
    printf("rmdir non-empty -> %s\n", errno == ENOTEMPTY ? "ENOTEMPTY" : "EEXIST");

    CHECK(chdir("subdir") == 0, "chdir subdir");
    CHECK(getcwd(cwd, sizeof cwd) != NULL, "getcwd subdir");
    printf("in subdir: %s\n", strrchr(cwd, '/'));
    CHECK(chdir("..") == 0, "chdir ..");
    for (size_t i = 0; i < NFILES; i++) CHECK(unlink(files[i]) == 0, "unlink");
    CHECK(rmdir("subdir") == 0, "rmdir subdir");

    CHECK(fchdir(origfd) == 0, "fchdir back");
    CHECK(rmdir(dir) == 0, "rmdir");
    struct stat st;
    CHECK(stat(dir, &st) == -1 && errno == ENOENT, "dir gone");
    printf("cleaned up; directory removed\n");
    close(origfd);
    fprintf(stderr, "directories: done\n");
    return 0;
}
