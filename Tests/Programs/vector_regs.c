/* vector_regs: puts known values into ymm1 (AVX) and into zmm2 and k1 (AVX-512), where the CPU
 * has them, then calls a function where the gdb tests stop to read them back. */
#include <stdint.h>
#include <stdio.h>

__attribute__((noinline)) void mark(void) { __asm__ volatile("" ::: "memory"); }

int main(void) {
    static int32_t ymm[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    static int32_t zmm[16] = { 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116 };
    int avx = __builtin_cpu_supports("avx"), avx512 = __builtin_cpu_supports("avx512f");
    if (avx) __asm__ volatile("vmovdqu %0, %%ymm1" : : "m"(ymm) : "xmm1");
    if (avx512) __asm__ volatile("vmovdqu32 %0, %%zmm2\n\tmovl $0x5a, %%eax\n\tkmovw %%eax, %%k1" : : "m"(zmm) : "xmm2", "eax");
    mark();
    printf("avx %d avx512 %d\n", avx != 0, avx512 != 0);
    return 0;
}
