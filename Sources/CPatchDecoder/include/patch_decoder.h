#ifndef RR_PATCH_DECODER_H
#define RR_PATCH_DECODER_H
#include <stddef.h>
#include <stdint.h>

/* How many bytes of whole instructions, starting at `code`, must be moved elsewhere to free at
 * least `needed` bytes, or 0 when one of them cannot run at another address: it does not
 * decode, it is a branch, call, return, syscall or interrupt, or it addresses memory relative to
 * rip. Decodes with Zydis (x86-64). */
size_t rr_movable_length(const uint8_t *code, size_t available, size_t needed);

/* Whether the `before` bytes that precede a syscall instruction end with a load of `number` into
 * eax (`mov $number, %eax`, or `xor %eax, %eax` for 0) followed only by instructions that do not
 * touch rax or branch: then the site always makes that syscall. */
int rr_loads_syscall_number(const uint8_t *before, size_t length, uint32_t number);

/* Whether, decoding whole instructions from `code` (the start of a function), one starts exactly
 * at `offset` and is RDRAND (returns 1) or RDSEED (returns 2) of a register; 0 otherwise. The
 * check that the bytes found by a search are an instruction and not the middle of another. */
int rr_random_instruction_at(const uint8_t *code, size_t length, size_t offset);

#endif
