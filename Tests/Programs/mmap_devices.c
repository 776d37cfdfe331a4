/* Maps character devices as programs do: /dev/zero privately (a cheap zeroed allocation) and
 * shared between a parent and its child (shared anonymous memory), and /dev/urandom, which
 * cannot be mapped (ENODEV). The recorder must not try to read a device as a file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PRIVATE_SIZE (2 << 20)

static int private_zero(void) {
    int fd = open("/dev/zero", O_RDONLY);
    unsigned char *p = mmap(NULL, PRIVATE_SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) { printf("FAIL private /dev/zero: %s\n", strerror(errno)); return 1; }
    unsigned long sum = 0;
    for (int i = 0; i < PRIVATE_SIZE; i += 4096) sum += p[i] + p[i + 4095];
    printf("private /dev/zero: %d bytes, sum %lu\n", PRIVATE_SIZE, sum);
    return sum != 0;
}

static int shared_zero(void) {
    int fd = open("/dev/zero", O_RDWR);
    volatile int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (shared == MAP_FAILED) { printf("FAIL shared /dev/zero: %s\n", strerror(errno)); return 1; }
    pid_t child = fork();
    if (child == 0) { shared[1] = 4242; _exit(0); }
    int status;
    waitpid(child, &status, 0);
    printf("shared /dev/zero: child wrote %d\n", shared[1]);
    return shared[1] != 4242;
}

static int urandom(void) {
    int fd = open("/dev/urandom", O_RDONLY);
    void *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    int saved = errno;
    close(fd);
    printf("/dev/urandom mmap: %s\n", p == MAP_FAILED ? strerror(saved) : "mapped");
    return 0;
}

int main(void) {
    int failures = private_zero() + shared_zero() + urandom();
    if (failures) printf("FAIL %d\n", failures);
    return failures;
}
