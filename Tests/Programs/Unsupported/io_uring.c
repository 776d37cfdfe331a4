// Calls io_uring_setup, which the recorder refuses on purpose (its shared rings are written by
// the kernel asynchronously, which replay cannot reproduce). The call is not made: the program
// gets ENOSYS, as from a kernel without io_uring, the recorder warns once, and the recording goes on.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
    char params[120];
    memset(params, 0, sizeof params);
    printf("before io_uring_setup\n");
    fflush(stdout);
    long fd = syscall(SYS_io_uring_setup, 4, params);
    printf("io_uring_setup returned %ld (%s)\n", fd, fd < 0 && errno == ENOSYS ? "ENOSYS" : "not ENOSYS");
    return 0;
}
