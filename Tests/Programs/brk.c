/* brk: program break via sbrk and the raw brk syscall, plus small (brk-backed)
 * and large (mmap-backed) malloc allocations. Prints addresses, which replay
 * must reproduce. */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

int main(void) {
    /* Pin the mmap threshold (it adapts dynamically) so "large" really is mmap'd. */
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);

    char *b0 = sbrk(0);
    long raw = syscall(SYS_brk, 0);
    printf("initial break %p (raw brk(0) agrees: %s)\n", (void *)b0, (char *)raw == b0 ? "yes" : "no");
    CHECK((char *)raw == b0, "raw brk matches sbrk");

    /* printf above may have made malloc move the break; measure from here. */
    b0 = sbrk(0);
    char *p = sbrk(64 * 1024);
    CHECK(p != (void *)-1 && p == b0, "sbrk grow");
    char *b1 = sbrk(0);
    printf("after sbrk(64K): old break %p, new break %p, grew by %td\n", (void *)b0, (void *)b1, b1 - b0);
    CHECK(b1 - b0 == 64 * 1024, "break grew by 64K");
    memset(p, 0xab, 64 * 1024);  /* new memory is writable */
    CHECK((unsigned char)p[65535] == 0xab, "write grown area");

    CHECK(sbrk(-32 * 1024) != (void *)-1, "sbrk shrink");
    printf("after sbrk(-32K): break moved back by %td\n", b1 - (char *)sbrk(0));

    /* Raw brk to a new address returns the new break. */
    char *want = (char *)sbrk(0) + 8192;
    raw = syscall(SYS_brk, want);
    printf("raw brk(+8K) returned requested address: %s\n", (char *)raw == want ? "yes" : "no");
    CHECK((char *)raw == want, "raw brk grow");
    /* Tell libc about the new break too (the raw syscall bypassed its cache). */
    CHECK(brk(want) == 0 && sbrk(0) == want, "libc brk");

    /* Many small allocations come from the heap. */
    void *small[100];
    size_t total = 0;
    for (int i = 0; i < 100; i++) {
        small[i] = malloc(16 + i * 8);
        CHECK(small[i] != NULL, "malloc small");
        memset(small[i], i, 16 + i * 8);
        total += 16 + i * 8;
    }
    printf("100 small mallocs (%zu bytes): first %p last %p\n", total, small[0], small[99]);
    for (int i = 0; i < 100; i++) free(small[i]);

    /* Large allocations are served by mmap, far from the break. */
    char *big = malloc(4 << 20);
    CHECK(big != NULL, "malloc large");
    memset(big, 1, 4 << 20);
    printf("4 MiB malloc at %p, outside the brk heap: %s\n", (void *)big,
           (big > (char *)sbrk(0) + (1 << 20) || big < b0) ? "yes" : "no");
    char *big2 = realloc(big, 8 << 20);  /* mremap-backed realloc */
    CHECK(big2 != NULL && big2[(4 << 20) - 1] == 1, "realloc large");
    printf("realloc to 8 MiB at %p\n", (void *)big2);
    free(big2);

    struct mallinfo2 mi = mallinfo2();
    printf("mallinfo2: arena=%zu hblks=%zu\n", mi.arena, mi.hblks);
    fprintf(stderr, "brk: done\n");
    return 0;
}
