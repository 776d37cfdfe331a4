// Calls io_uring_setup, which the recorder does not model (its shared rings are written by the
// kernel asynchronously). Recording must stop with a clear error naming the syscall.
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
    printf("io_uring_setup returned %ld\n", fd);
    return 0;
}
