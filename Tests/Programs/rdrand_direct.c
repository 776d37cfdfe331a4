// RDRAND and RDSEED in the program's own code (the compiler's intrinsics, as OpenSSL or a game
// engine uses them), of each operand size: the executable is patched at its exec, and replay
// gives the recorded values. On a CPU without them (CPUID), says so and draws nothing.
#include <cpuid.h>
#include <immintrin.h>
#include <stdio.h>

__attribute__((target("rdrnd"))) static void draw_rdrand(void) {
    unsigned short small = 0;
    unsigned int middle = 0;
    unsigned long long large = 0;
    int ok = _rdrand16_step(&small) & _rdrand32_step(&middle) & _rdrand64_step(&large);
    printf("rdrand %d %hu %u %llu\n", ok, small, middle, large);
}

__attribute__((target("rdseed"))) static void draw_rdseed(void) {
    unsigned short small = 0;
    unsigned int middle = 0;
    unsigned long long large = 0;
    int ok = _rdseed16_step(&small) & _rdseed32_step(&middle) & _rdseed64_step(&large);
    printf("rdseed %d %hu %u %llu\n", ok, small, middle, large);
}

// The byte before the opcode is 0x48, which a search could take for a REX prefix: the recorder
// must still find the instruction (it did not before the decoder was asked both ways).
static void draw_after_rex_like_byte(void) {
    unsigned int value;
    unsigned char ok;
    __asm__ volatile("sub $0x48, %%rsp\n\trdrand %0\n\tsetc %1\n\tadd $0x48, %%rsp" : "=r"(value), "=qm"(ok) : : "cc");
    printf("rdrand after 0x48 %d %u\n", ok, value);
}

int main(void) {
    unsigned int eax, ebx, ecx, edx;
    int has_rdrand = __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_RDRND);
    int has_rdseed = __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) && (ebx & bit_RDSEED);
    if (has_rdrand) {
        draw_rdrand();
        draw_after_rex_like_byte();
    } else {
        puts("no rdrand");
    }
    if (has_rdseed) draw_rdseed(); else puts("no rdseed");
    return 0;
}
