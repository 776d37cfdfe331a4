// Maps a regular file MAP_SHARED: another process outside the recording could change it, which
// replay cannot reproduce. Recording warns about it (and still records and replays this program).
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void) {
    char path[64];
    snprintf(path, sizeof path, "/tmp/shared_file.%d", (int)getpid());
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, 4096) != 0) { printf("FAIL open\n"); return 3; }
    char *page = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (page == MAP_FAILED) { printf("FAIL mmap\n"); return 3; }
    strcpy(page, "written through a shared mapping");
    printf("%s\n", page);
    munmap(page, 4096);
    close(fd);
    unlink(path);
    return 0;
}
