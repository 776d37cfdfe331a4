/* Files a recorder cannot open by path but the program can still map or run: a file deleted
 * after it was opened and a file whose mode became 000 after it was opened. As an ordinary user
 * the recorder must take their content through the program's descriptor. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int make_file(char *path, const char *content) {
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, content, strlen(content)) != (ssize_t)strlen(content)) return -1;
    return fd;
}

static int map_and_print(const char *what, int fd, size_t length) {
    char *p = mmap(NULL, length, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) { printf("FAIL %s: mmap: %s\n", what, strerror(errno)); return 1; }
    printf("%s: %.*s\n", what, (int)length, p);
    munmap(p, length);
    return 0;
}

static int deleted_file(void) {
    char path[] = "/tmp/rr-deleted-XXXXXX";
    const char *content = "content of a deleted file";
    int fd = make_file(path, content);
    if (fd < 0) { printf("FAIL deleted: create\n"); return 1; }
    unlink(path);
    int failed = map_and_print("deleted file", fd, strlen(content));
    close(fd);
    return failed;
}

static int unreadable_file(void) {
    char path[] = "/tmp/rr-mode000-XXXXXX";
    const char *content = "content of a file with mode 000";
    int fd = make_file(path, content);
    if (fd < 0) { printf("FAIL mode 000: create\n"); return 1; }
    fchmod(fd, 0);
    int failed = map_and_print("mode 000 file", fd, strlen(content));
    close(fd);
    unlink(path);
    return failed;
}

int main(void) {
    int failures = deleted_file() + unreadable_file();
    if (failures) printf("FAIL %d\n", failures);
    return failures;
}
