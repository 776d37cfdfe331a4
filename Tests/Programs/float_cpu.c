/* float_cpu: floating point (libm, SSE/AVX via ifunc) and large
 * memcpy/memset/memmove/memcmp/strlen/memchr/strchr calls, so glibc's
 * CPU-specific (CPUID-selected) implementations run. Output is
 * deterministic on a given machine. */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N (1 << 20)

static uint32_t fnv(const unsigned char *p, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
    return h;
}

int main(void) {
    double s = 0, c = 0, e = 0, l = 0, q = 0;
    for (int i = 1; i <= 10000; i++) {
        double x = i * 0.001;
        s += sin(x); c += cos(x); e += exp(-x); l += log(x); q += sqrt(x);
    }
    printf("sum sin=%.12f cos=%.12f exp=%.12f log=%.12f sqrt=%.12f\n", s, c, e, l, q);
    printf("pow(2,0.5)=%.17g atan2(1,1)*4=%.17g fma=%.17g\n", pow(2, 0.5), atan2(1, 1) * 4,
           fma(1.0000001, 1.0000001, -1));
    float f = 0;
    for (int i = 1; i <= 1000; i++) f += 1.0f / (float)i;
    printf("harmonic(1000) float=%.7g  double lgamma(10.5)=%.15g\n", f, lgamma(10.5));

    unsigned char *a = malloc(N), *b = malloc(N);
    if (!a || !b) { printf("FAIL malloc\n"); exit(3); }
    for (size_t i = 0; i < N; i++) a[i] = (unsigned char)(i * 131 + (i >> 9));
    memcpy(b, a, N);
    printf("memcpy 1 MiB: fnv=%08x equal=%s\n", fnv(b, N), memcmp(a, b, N) == 0 ? "yes" : "no");
    if (memcmp(a, b, N) != 0) { printf("FAIL memcpy\n"); exit(3); }
    memmove(b + 1, b, N - 1);  /* overlapping */
    printf("memmove overlap: fnv=%08x, b[1]==a[0]: %s\n", fnv(b, N), b[1] == a[0] ? "yes" : "no");
    memcpy(b, a, N);
    b[N / 2] = (unsigned char)(a[N / 2] + 1);
    int cmp = memcmp(a, b, N);
    printf("memcmp after bumping byte %d: %s\n", N / 2, cmp < 0 ? "negative" : cmp > 0 ? "positive" : "zero");

    memset(a, 'x', N - 1);
    a[N - 1] = 0;
    a[777777] = 'y';
    printf("strlen=%zu  strchr('y') offset=%td  memchr('y') offset=%td  memrchr found: %s\n",
           strlen((char *)a), strchr((char *)a, 'y') - (char *)a,
           (unsigned char *)memchr(a, 'y', N) - a, memrchr(a, 'y', N) ? "yes" : "no");
    if (strlen((char *)a) != N - 1) { printf("FAIL strlen\n"); exit(3); }
    printf("strstr found at %td\n", strstr((char *)a, "xxy") - (char *)a);
    free(a);
    free(b);
    fprintf(stderr, "float_cpu: done\n");
    return 0;
}
