/* small_syscalls: many small file syscalls (the kind syscall buffering exists for): writes,
 * seeks, reads, fstats and time queries on a temporary file, with a checksum of what it read. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int main(void) {
    char path[] = "/tmp/small_syscalls-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return 2;
    unlink(path);
    char block[16];
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(block, sizeof block, "line %09d\n", i);
        if (write(fd, block, (size_t)n) != n) return 3;
    }
    unsigned long sum = 0;
    struct timespec ts;
    for (int i = 0; i < 1000; i++) {
        if (lseek(fd, (off_t)i * 15, SEEK_SET) < 0) return 4;
        if (read(fd, block, 15) != 15) return 5;
        for (int j = 0; j < 15; j++) sum = sum * 31 + (unsigned char)block[j];
        struct stat st;
        if (fstat(fd, &st) != 0 || st.st_size != 15000) return 6;
        clock_gettime(CLOCK_MONOTONIC, &ts);
    }
    close(fd);
    printf("checksum %lx\n", sum);
    return 0;
}
