/* kill_own_group: signals its own process group with SIGABRT, as test harnesses do to end
 * everything they started. The group is the program's and its child's; the recorder's own
 * processes must not be in it. Both processes die of the signal (exit status 134). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    int ready[2];
    if (pipe(ready) != 0) { perror("pipe"); return 1; }
    printf("parent: starting a child\n");
    fflush(stdout);
    pid_t child = fork();
    if (child < 0) { perror("fork"); return 1; }
    if (child == 0) {
        close(ready[0]);
        if (write(ready[1], "r", 1) != 1) _exit(1);
        for (;;) pause();  /* until the group's SIGABRT */
    }
    close(ready[1]);
    char byte;
    if (read(ready[0], &byte, 1) != 1) { printf("FAIL: child did not start\n"); return 1; }
    printf("parent: child %d ready; signalling the process group\n", (int)child);
    fflush(stdout);
    kill(0, SIGABRT);
    for (;;) pause();
}
