/* cpuid: the CPUID instruction executed directly (a recorder may need CPUID
 * faulting to make it replayable). Prints vendor, brand and feature bits. */
#define _GNU_SOURCE
#include <cpuid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d)) { printf("FAIL cpuid leaf 0\n"); exit(3); }
    char vendor[13];
    memcpy(vendor, &b, 4); memcpy(vendor + 4, &d, 4); memcpy(vendor + 8, &c, 4);
    vendor[12] = 0;
    printf("max basic leaf %u, vendor %s\n", a, vendor);

    __get_cpuid(1, &a, &b, &c, &d);
    printf("leaf 1: family/model/stepping eax=%#x, ecx=%#x edx=%#x\n", a, c, d);
    printf("features: sse2=%d sse4.2=%d avx=%d rdrand=%d hypervisor=%d\n", !!(d & bit_SSE2),
           !!(c & bit_SSE4_2), !!(c & bit_AVX), !!(c & bit_RDRND), !!(c & (1u << 31)));
    /* x86-64 implies SSE2. */
    if (!(d & bit_SSE2)) { printf("FAIL no SSE2\n"); exit(3); }

    if (__get_cpuid_count(7, 0, &a, &b, &c, &d))
        printf("leaf 7: ebx=%#x ecx=%#x edx=%#x (avx2=%d)\n", b, c, d, !!(b & bit_AVX2));

    unsigned maxext = __get_cpuid_max(0x80000000, NULL);
    if (maxext >= 0x80000004) {
        unsigned brand[12];
        for (unsigned i = 0; i < 3; i++)
            __get_cpuid(0x80000002 + i, &brand[4 * i], &brand[4 * i + 1], &brand[4 * i + 2], &brand[4 * i + 3]);
        char s[49];
        memcpy(s, brand, 48);
        s[48] = 0;
        char *t = s;
        while (*t == ' ') t++;
        printf("brand: %s\n", t);
    }
    fprintf(stderr, "cpuid: vendor %s\n", vendor);
    return 0;
}
