/* shared_anon: a MAP_SHARED|MAP_ANONYMOUS page is shared across fork; the
 * child writes into it, the parent reads the value after reaping the child.
 * A MAP_PRIVATE page is copied instead. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

int main(void) {
    volatile long *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(shared != MAP_FAILED, "mmap shared");
    volatile long *priv = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(priv != MAP_FAILED, "mmap private");
    shared[0] = 1; shared[100] = 0;
    priv[0] = 1;
    fflush(stdout);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        shared[0] = 0x12345678;
        for (int i = 1; i <= 100; i++) shared[100] += i;
        priv[0] = 99;
        _exit(0);
    }
    int st;
    CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status");
    printf("shared page after child: 0x%lx, sum %ld\n", shared[0], shared[100]);
    printf("private page after child: %ld\n", priv[0]);
    CHECK(shared[0] == 0x12345678 && shared[100] == 5050, "shared values");
    CHECK(priv[0] == 1, "private value unchanged");
    CHECK(munmap((void *)shared, 4096) == 0 && munmap((void *)priv, 4096) == 0, "munmap");
    return 0;
}
