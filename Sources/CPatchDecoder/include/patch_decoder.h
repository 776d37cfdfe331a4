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

/* Copies the whole instructions at `code` (which run at address `from`) that cover at least
 * `needed` bytes so that they run at address `to` instead: displacements relative to rip are
 * adjusted, and direct jumps and conditional jumps become their rel32 forms with the same
 * targets; a return runs anywhere as it is; a near call, only as the last instruction, becomes
 * a push of its original return address and a jump. Writes at most `capacity` bytes to `out`
 * and their count to `*written`; returns how many bytes of `code` the copied instructions
 * cover, or 0 when one of them cannot run elsewhere
 * (it does not decode, it is a syscall, interrupt or system instruction, a loop or jrcxz, a
 * transaction, a call before the last or with an operand relative to rsp, or a displacement
 * does not reach). */
size_t rr_relocate_instructions(const uint8_t *code, size_t available, uint64_t from, uint64_t to, size_t needed,
                                uint8_t *out, size_t capacity, size_t *written);

/* Decoding `function` (`length` bytes of code that runs at `address`) instruction by instruction
 * from its start: returns 1 when one instruction starts at `from` and no direct jump, conditional
 * jump or call targets an address strictly between `from` and `to`, nor is there any jump
 * through a register or memory; -1 when only such a jump is in the way (its targets are unknown:
 * the caller must judge them); 0 otherwise, or when the bytes up to `to` do not decode. The
 * check that code may be overwritten from `from` to `to`. */
int rr_no_branch_into(const uint8_t *function, size_t length, uint64_t address, uint64_t from, uint64_t to);

/* Decoding `function` (`length` bytes of code that runs at `address`) from its start: the
 * targets of its direct jumps, conditional jumps and calls, written to `out` (at most
 * `capacity`); returns how many there are, which may be more. Stops where the bytes no longer
 * decode. Another function of the file may jump into this one (gcc's `.cold` parts jump back
 * into their function's body), so a patch checks the targets of all. */
size_t rr_branch_targets(const uint8_t *function, size_t length, uint64_t address, uint64_t *out, size_t capacity);

/* Decoding `function` (`length` bytes of code that runs at `address`) from its start: the start
 * of the last instructions before `point` that all fall through into it (no jump, call, return,
 * syscall or interrupt among them; conditional jumps may leave) and cover at least `needed`
 * bytes, the nearest such start to `point`; 0 when there is none or `point` is not where an
 * instruction starts. Where a jump at `point` cannot go, one over these lead-in instructions
 * reaches a stub that runs them and then stands where `point` would. */
uint64_t rr_lead_in_start(const uint8_t *function, size_t length, uint64_t address, uint64_t point, size_t needed);

/* The addresses that the instructions of `function` (`length` bytes that run at `address`) name
 * as memory: operands relative to rip (lea included) and absolute displacements without a base
 * register. Writes up to `capacity` of them to `out` and returns how many there are (more than
 * `capacity` when they do not all fit). Where a jump through a register or memory table may go:
 * jump tables and label addresses are named this way by the function that uses them. */
size_t rr_referenced_addresses(const uint8_t *function, size_t length, uint64_t address, uint64_t *out, size_t capacity);

/* How many bytes of NOP instructions (alignment padding: nop, nopl, nopw) start `code`. */
size_t rr_nop_length(const uint8_t *code, size_t available);

#endif
