/* getrandom: getrandom() with flags 0 / GRND_NONBLOCK / GRND_INSECURE, the raw
 * syscall, and getentropy(). Prints the random bytes in hex. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

#ifndef GRND_INSECURE
#define GRND_INSECURE 0x0004
#endif

static void hex(const char *label, const unsigned char *p, size_t n) {
    printf("%-22s", label);
    for (size_t i = 0; i < n; i++) printf("%02x", p[i]);
    printf("\n");
}

int main(void) {
    unsigned char a[16], b[16], c[32], d[64];

    CHECK(getrandom(a, sizeof a, 0) == sizeof a, "getrandom");
    hex("getrandom(0):", a, sizeof a);
    CHECK(getrandom(b, sizeof b, GRND_NONBLOCK) == sizeof b, "getrandom NONBLOCK");
    hex("getrandom(NONBLOCK):", b, sizeof b);
    CHECK(memcmp(a, b, sizeof a) != 0, "two random draws differ");

    long r = syscall(SYS_getrandom, c, sizeof c, 0);
    CHECK(r == sizeof c, "raw getrandom");
    hex("raw syscall:", c, sizeof c);

    r = getrandom(c, 8, GRND_INSECURE);  /* kernel >= 5.6; EINVAL on older */
    if (r == 8) hex("getrandom(INSECURE):", c, 8);
    else printf("getrandom(INSECURE):  unsupported (%s)\n", strerror(errno));

    CHECK(getentropy(d, sizeof d) == 0, "getentropy");
    hex("getentropy(64):", d, sizeof d);
    static unsigned char big[512];
    CHECK(getentropy(big, 257) == -1 && errno == EIO, "getentropy > 256 gives EIO");
    printf("getentropy(257) -> EIO\n");

    /* Random data driving control flow must also replay identically. */
    printf("coin flips:");
    for (int i = 0; i < 16; i++) printf(" %c", (d[i] & 1) ? 'H' : 'T');
    printf("\n");
    fprintf(stderr, "getrandom: first byte %02x\n", a[0]);
    return 0;
}
