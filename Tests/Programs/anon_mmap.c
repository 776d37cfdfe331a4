/* anon_mmap: anonymous mmap, mprotect, mremap (grow in place / move, shrink),
 * madvise(MADV_DONTNEED) zeroing, munmap of a hole in the middle. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

int main(void) {
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    printf("page size %zu\n", pg);

    unsigned char *a = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(a != MAP_FAILED, "mmap anon");
    printf("mmap 4 pages at %p\n", (void *)a);  /* address: replay must reproduce */
    CHECK(a[0] == 0 && a[4 * pg - 1] == 0, "fresh anon memory is zero");
    for (size_t i = 0; i < 4 * pg; i++) a[i] = (unsigned char)(i / pg + 1);

    /* Make page 1 read-only; reading it still works. */
    CHECK(mprotect(a + pg, pg, PROT_READ) == 0, "mprotect");
    printf("page 1 after mprotect(PROT_READ) reads %d\n", a[pg + 5]);
    CHECK(mprotect(a + pg, pg, PROT_READ | PROT_WRITE) == 0, "mprotect back");

    /* Grow to 16 pages, allowing a move; contents must be preserved. */
    unsigned char *b = mremap(a, 4 * pg, 16 * pg, MREMAP_MAYMOVE);
    CHECK(b != MAP_FAILED, "mremap grow");
    printf("mremap grow to 16 pages at %p (%s)\n", (void *)b, b == a ? "in place" : "moved");
    int ok = 1;
    for (size_t i = 0; i < 4 * pg; i++) ok &= b[i] == (unsigned char)(i / pg + 1);
    CHECK(ok, "contents preserved by mremap");
    CHECK(b[15 * pg] == 0, "new pages zero");
    memset(b + 4 * pg, 0x5a, 12 * pg);

    /* MADV_DONTNEED on private anonymous memory drops the pages: they read as zero. */
    CHECK(madvise(b + 2 * pg, 2 * pg, MADV_DONTNEED) == 0, "madvise DONTNEED");
    printf("after MADV_DONTNEED: page1=%d page2=%d page3=%d page4=0x%x\n",
           b[pg], b[2 * pg], b[3 * pg + 17], b[4 * pg]);
    CHECK(b[pg] == 2 && b[2 * pg] == 0 && b[3 * pg + 17] == 0 && b[4 * pg] == 0x5a, "DONTNEED semantics");

    /* Shrink in place. */
    unsigned char *c = mremap(b, 16 * pg, 8 * pg, 0);
    CHECK(c == b, "mremap shrink in place");
    printf("mremap shrink to 8 pages stays at same address: yes\n");

    /* Punch a hole: unmap pages 3..4, keep the rest usable. */
    CHECK(munmap(c + 3 * pg, 2 * pg) == 0, "munmap hole");
    c[0] = 1; c[7 * pg] = 7;
    printf("after hole: c[0]=%d c[7 pages]=%d\n", c[0], c[7 * pg]);
    /* mincore reports ENOMEM for the unmapped range. */
    unsigned char vec[2];
    CHECK(mincore(c + 3 * pg, 2 * pg, vec) == -1 && errno == ENOMEM, "mincore on hole");
    printf("mincore on hole -> ENOMEM\n");
    CHECK(munmap(c, 3 * pg) == 0 && munmap(c + 5 * pg, 3 * pg) == 0, "munmap rest");

    /* MAP_FIXED into our own reserved range. */
    unsigned char *r = mmap(NULL, 4 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(r != MAP_FAILED, "reserve");
    unsigned char *f = mmap(r + pg, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK(f == r + pg, "MAP_FIXED");
    strcpy((char *)f, "fixed mapping works");
    printf("%s (offset %td into reservation)\n", (char *)f, f - r);
    CHECK(munmap(r, 4 * pg) == 0, "munmap reservation");

    fprintf(stderr, "anon_mmap: done\n");
    return 0;
}
