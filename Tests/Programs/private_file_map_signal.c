/* private_file_map_signal: an asynchronous signal while the program has a writable private
 * mapping of a file it has only partly written. The file (64 KiB, no page of zeros) is mapped
 * MAP_PRIVATE with PROT_READ|PROT_WRITE; the program reads every page and writes one. Then an
 * ITIMER_REAL signal interrupts a spin-wait in user code (`while (!fired)`, so every visit of
 * the loop has the same state) and the handler ends it. Replay finds the signal's point by
 * its registers and a digest of writable memory, which counts the page the program wrote and not
 * the pages that still hold the file's content: replay's mapping must tell the two apart as the
 * recording's did. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

enum { SIZE = 64 * 1024, PAGE = 4096 };

static char path[64];
static void cleanup(void) { unlink(path); }
static volatile sig_atomic_t fired;
static void on_alarm(int signal) { (void)signal; fired = 1; }

int main(void) {
    snprintf(path, sizeof path, "/tmp/rrtest_private_map_%d", (int)getpid());
    atexit(cleanup);
    unsigned char content[SIZE];
    for (int i = 0; i < SIZE; i++) content[i] = (unsigned char)(i * 7 + 1) | 1;
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0 && write(fd, content, SIZE) == SIZE, "write the file");
    unsigned char *mapped = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(mapped != MAP_FAILED, "mmap");
    close(fd);
    unsigned sum = 0;
    for (int i = 0; i < SIZE; i += PAGE) sum += mapped[i];  /* every page present, none copied */
    mapped[5 * PAGE + 17] = 0xee;                           /* one page copied on write */

    struct sigaction action = {.sa_handler = on_alarm};
    CHECK(sigaction(SIGALRM, &action, NULL) == 0, "sigaction");
    struct itimerval timer = {.it_value = {0, 20000}};
    CHECK(setitimer(ITIMER_REAL, &timer, NULL) == 0, "setitimer");
    while (!fired) {}
    printf("sum %u, written byte %#x, file byte %#x\n", sum, mapped[5 * PAGE + 17], mapped[6 * PAGE + 17]);
    return 0;
}
