/* urandom: read random bytes from /dev/urandom (open/read/close on a
 * character device) and print them in hex; also via stdio. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

static void hex(const char *label, const unsigned char *p, size_t n) {
    printf("%s", label);
    for (size_t i = 0; i < n; i++) printf("%02x", p[i]);
    printf("\n");
}

int main(void) {
    unsigned char buf[16], buf2[16];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    CHECK(fd >= 0, "open /dev/urandom");
    CHECK(read(fd, buf, sizeof buf) == sizeof buf, "read");
    hex("read(/dev/urandom, 16):  ", buf, sizeof buf);
    CHECK(read(fd, buf2, sizeof buf2) == sizeof buf2, "read again");
    hex("second read:             ", buf2, sizeof buf2);
    CHECK(memcmp(buf, buf2, sizeof buf) != 0, "reads differ");
    close(fd);

    /* stdio reads ahead a full buffer (4096 bytes) in one read syscall. */
    FILE *f = fopen("/dev/urandom", "rb");
    CHECK(f != NULL, "fopen");
    CHECK(fread(buf, 1, sizeof buf, f) == sizeof buf, "fread");
    hex("fread(/dev/urandom, 16): ", buf, sizeof buf);
    fclose(f);

    /* A random number used for computation. */
    unsigned v = buf[0] | buf[1] << 8;
    printf("random value %u mod 7 = %u\n", v, v % 7);
    fprintf(stderr, "urandom: done\n");
    return 0;
}
