// A thread blocks reading a pipe that the main thread fills later. While it waits in the
// kernel, its buffer is redirected to the recorder's scratch area (mapped at 0x6fff00000000),
// so the program sees that area in /proc/self/maps when recorded (and, replayed, the same).
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
static int fds[2];
static char buf[64];
static void *reader(void *arg) { ssize_t n = read(fds[0], buf, sizeof buf - 1); printf("read %zd: %s\n", n, buf); return arg; }
int main(void) {
    pipe(fds);
    pthread_t t; pthread_create(&t, 0, reader, 0);
    struct timespec ts = {0, 30000000}; nanosleep(&ts, 0);
    write(fds[1], "hello scratch", 13);
    pthread_join(t, 0);
    FILE *m = fopen("/proc/self/maps", "r"); char line[256]; int found = 0;
    while (fgets(line, sizeof line, m)) if (strncmp(line, "6fff", 4) == 0) found = 1;
    printf("scratch mapped: %s\n", found ? "yes" : "no");
    return 0;
}
