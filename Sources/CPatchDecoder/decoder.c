#include "patch_decoder.h"

#include <string.h>

#include <Zydis/Zydis.h>

/* Every decoder here reads x86-64 user code: 64-bit mode, 64-bit stack. */
static int long_mode_decoder(ZydisDecoder *decoder) {
    return ZYAN_SUCCESS(ZydisDecoderInit(decoder, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64));
}

static int touches_rax(const ZydisDecodedInstruction *instruction, const ZydisDecodedOperand *operands) {
    for (int i = 0; i < instruction->operand_count; i++) {
        const ZydisDecodedOperand *operand = &operands[i];
        if (operand->type != ZYDIS_OPERAND_TYPE_REGISTER || !(operand->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE)) continue;
        if (ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, operand->reg.value) == ZYDIS_REGISTER_RAX) return 1;
    }
    return 0;
}

int rr_loads_syscall_number(const uint8_t *before, size_t length, uint32_t number) {
    ZydisDecoder decoder;
    if (!long_mode_decoder(&decoder)) return 0;
    for (size_t back = 2; back <= length && back <= 32; back++) {
        const uint8_t *start = before + length - back;
        int is_load = (back >= 5 && start[0] == 0xb8 && (uint32_t)(start[1] | start[2] << 8 | start[3] << 16 | (uint32_t)start[4] << 24) == number)
                      || (number == 0 && start[0] == 0x31 && start[1] == 0xc0);
        if (!is_load) continue;
        size_t position = start[0] == 0xb8 ? 5 : 2;
        int clean = 1;
        while (position < back && clean) {
            ZydisDecodedInstruction instruction;
            ZydisDecodedOperand operands[ZYDIS_MAX_OPERAND_COUNT];
            if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&decoder, start + position, back - position, &instruction, operands))) break;
            switch (instruction.meta.category) {
            case ZYDIS_CATEGORY_COND_BR: case ZYDIS_CATEGORY_UNCOND_BR: case ZYDIS_CATEGORY_CALL:
            case ZYDIS_CATEGORY_RET: case ZYDIS_CATEGORY_SYSCALL: case ZYDIS_CATEGORY_INTERRUPT:
                clean = 0;
                break;
            default:
                if (touches_rax(&instruction, operands)) clean = 0;
            }
            position += instruction.length;
        }
        if (clean && position == back) return 1;
    }
    return 0;
}

size_t rr_movable_length(const uint8_t *code, size_t available, size_t needed) {
    ZydisDecoder decoder;
    if (!long_mode_decoder(&decoder)) return 0;
    size_t length = 0;
    while (length < needed) {
        ZydisDecodedInstruction instruction;
        if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&decoder, NULL, code + length, available - length, &instruction)))
            return 0;
        if (instruction.attributes & ZYDIS_ATTRIB_IS_RELATIVE) return 0;
        switch (instruction.meta.category) {
        case ZYDIS_CATEGORY_COND_BR: case ZYDIS_CATEGORY_UNCOND_BR: case ZYDIS_CATEGORY_CALL:
        case ZYDIS_CATEGORY_RET: case ZYDIS_CATEGORY_SYSCALL: case ZYDIS_CATEGORY_SYSTEM:
        case ZYDIS_CATEGORY_INTERRUPT:
            return 0;
        default:
            break;
        }
        length += instruction.length;
    }
    return length;
}

int rr_random_instruction_at(const uint8_t *code, size_t length, size_t offset) {
    ZydisDecoder decoder;
    if (!long_mode_decoder(&decoder)) return 0;
    size_t position = 0;
    while (position < offset) {
        ZydisDecodedInstruction instruction;
        if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&decoder, NULL, code + position, length - position, &instruction)))
            return 0;
        position += instruction.length;
    }
    if (position != offset) return 0;
    ZydisDecodedInstruction instruction;
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&decoder, NULL, code + offset, length - offset, &instruction))) return 0;
    switch (instruction.mnemonic) {
    case ZYDIS_MNEMONIC_RDRAND: return 1;
    case ZYDIS_MNEMONIC_RDSEED: return 2;
    default: return 0;
    }
}

static int is_relative_branch(const ZydisDecodedInstruction *instruction) {
    return (instruction->meta.category == ZYDIS_CATEGORY_COND_BR || instruction->meta.category == ZYDIS_CATEGORY_UNCOND_BR
            || instruction->meta.category == ZYDIS_CATEGORY_CALL)
           && (instruction->attributes & ZYDIS_ATTRIB_IS_RELATIVE) && instruction->raw.imm[0].size != 0;
}

static int fits_rel32(int64_t value) { return value >= INT32_MIN && value <= INT32_MAX; }

/* A near call at `from` moved to `to`, as what it does: push the original return address (the
 * stack then holds what the call would have written), then jump to the target. The address is
 * an 8-byte constant after the jump, read with `push m64` relative to rip, so no register or
 * flag changes. An indirect call's operand keeps its form (FF /2 becomes FF /4); one relative
 * to rsp would be read after the push, and is refused. Returns the bytes written, 0 if refused. */
static size_t relocate_call(const ZydisDecodedInstruction *instruction, const uint8_t *bytes, uint64_t from, uint64_t to,
                            uint8_t *out, size_t capacity) {
    uint64_t return_address = from + instruction->length;
    uint8_t jump[16];
    size_t jump_length;
    const size_t push_length = 6;
    if (is_relative_branch(instruction)) {
        uint64_t target = return_address + (uint64_t)instruction->raw.imm[0].value.s;
        int64_t relative = (int64_t)(target - (to + push_length + 5));
        if (!fits_rel32(relative)) return 0;
        int32_t rel32 = (int32_t)relative;
        jump[0] = 0xe9;
        memcpy(jump + 1, &rel32, 4);
        jump_length = 5;
    } else {
        size_t modrm = instruction->raw.modrm.offset;
        if (instruction->opcode_map != ZYDIS_OPCODE_MAP_DEFAULT || instruction->opcode != 0xff || instruction->raw.modrm.reg != 2
            || instruction->length > sizeof jump)
            return 0;
        ZydisDecoder decoder;
        ZydisDecodedInstruction full;
        ZydisDecodedOperand operands[ZYDIS_MAX_OPERAND_COUNT];
        if (!long_mode_decoder(&decoder)
            || !ZYAN_SUCCESS(ZydisDecoderDecodeFull(&decoder, bytes, instruction->length, &full, operands)))
            return 0;
        for (int i = 0; i < full.operand_count; i++) {
            const ZydisDecodedOperand *operand = &operands[i];
            if (operand->visibility != ZYDIS_OPERAND_VISIBILITY_EXPLICIT) continue;  /* the stack the call pushes to */
            if (operand->type == ZYDIS_OPERAND_TYPE_MEMORY
                && (operand->mem.base == ZYDIS_REGISTER_RSP || operand->mem.index == ZYDIS_REGISTER_RSP))
                return 0;
            if (operand->type == ZYDIS_OPERAND_TYPE_REGISTER && operand->reg.value == ZYDIS_REGISTER_RSP) return 0;
        }
        memcpy(jump, bytes, instruction->length);
        jump[modrm] = (uint8_t)((jump[modrm] & ~0x38) | (4 << 3));
        jump_length = instruction->length;
        if (instruction->attributes & ZYDIS_ATTRIB_IS_RELATIVE) {
            if (instruction->raw.disp.size != 32) return 0;
            int32_t displacement;
            memcpy(&displacement, bytes + instruction->raw.disp.offset, 4);
            uint64_t target = return_address + (uint64_t)(int64_t)displacement;
            int64_t moved = (int64_t)(target - (to + push_length + jump_length));
            if (!fits_rel32(moved)) return 0;
            int32_t rel32 = (int32_t)moved;
            memcpy(jump + instruction->raw.disp.offset, &rel32, 4);
        }
    }
    size_t total = push_length + jump_length + 8;
    if (total > capacity) return 0;
    int32_t to_constant = (int32_t)jump_length;  /* from the end of the push to the constant */
    out[0] = 0xff;
    out[1] = 0x35;  /* push m64, rip-relative */
    memcpy(out + 2, &to_constant, 4);
    memcpy(out + push_length, jump, jump_length);
    memcpy(out + push_length + jump_length, &return_address, 8);
    return total;
}

size_t rr_relocate_instructions(const uint8_t *code, size_t available, uint64_t from, uint64_t to, size_t needed,
                                uint8_t *out, size_t capacity, size_t *written) {
    ZydisDecoder decoder;
    if (!long_mode_decoder(&decoder)) return 0;
    size_t covered = 0, used = 0;
    while (covered < needed) {
        ZydisDecodedInstruction instruction;
        if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&decoder, NULL, code + covered, available - covered, &instruction)))
            return 0;
        if (instruction.meta.category == ZYDIS_CATEGORY_CALL) {
            /* Only as the last instruction moved: the callee returns to the original code. */
            if (covered + instruction.length < needed) return 0;
            size_t moved = relocate_call(&instruction, code + covered, from + covered, to + used, out + used, capacity - used);
            if (moved == 0) return 0;
            *written = used + moved;
            return covered + instruction.length;
        }
        switch (instruction.meta.category) {
        case ZYDIS_CATEGORY_SYSCALL: case ZYDIS_CATEGORY_SYSTEM: case ZYDIS_CATEGORY_INTERRUPT:
            return 0;
        default:
            break;
        }
        switch (instruction.mnemonic) {
        case ZYDIS_MNEMONIC_JRCXZ: case ZYDIS_MNEMONIC_JECXZ: case ZYDIS_MNEMONIC_LOOP: case ZYDIS_MNEMONIC_LOOPE:
        case ZYDIS_MNEMONIC_LOOPNE: case ZYDIS_MNEMONIC_XBEGIN: case ZYDIS_MNEMONIC_XABORT: case ZYDIS_MNEMONIC_XEND:
            return 0;
        default:
            break;
        }
        uint64_t old_next = from + covered + instruction.length;
        const uint8_t *bytes = code + covered;
        if (is_relative_branch(&instruction)) {
            int64_t offset = instruction.raw.imm[0].value.s;
            uint64_t target = old_next + (uint64_t)offset;
            uint8_t encoded[6];
            size_t size;
            if (instruction.meta.category == ZYDIS_CATEGORY_UNCOND_BR) {
                encoded[0] = 0xe9;
                size = 5;
            } else {
                uint8_t condition;
                if (instruction.opcode_map == ZYDIS_OPCODE_MAP_DEFAULT && instruction.opcode >= 0x70 && instruction.opcode <= 0x7f)
                    condition = instruction.opcode - 0x70;
                else if (instruction.opcode_map == ZYDIS_OPCODE_MAP_0F && instruction.opcode >= 0x80 && instruction.opcode <= 0x8f)
                    condition = instruction.opcode - 0x80;
                else
                    return 0;
                encoded[0] = 0x0f;
                encoded[1] = 0x80 + condition;
                size = 6;
            }
            int64_t relative = (int64_t)(target - (to + used + size));
            if (!fits_rel32(relative) || used + size > capacity) return 0;
            int32_t rel32 = (int32_t)relative;
            memcpy(encoded + size - 4, &rel32, 4);
            memcpy(out + used, encoded, size);
            used += size;
        } else {
            if (used + instruction.length > capacity) return 0;
            memcpy(out + used, bytes, instruction.length);
            if (instruction.attributes & ZYDIS_ATTRIB_IS_RELATIVE) {
                /* A memory operand relative to rip: the displacement moves by the distance. */
                if (instruction.raw.disp.size != 32) return 0;
                int32_t displacement;
                memcpy(&displacement, bytes + instruction.raw.disp.offset, 4);
                uint64_t target = old_next + (uint64_t)(int64_t)displacement;
                int64_t moved = (int64_t)(target - (to + used + instruction.length));
                if (!fits_rel32(moved)) return 0;
                int32_t rel32 = (int32_t)moved;
                memcpy(out + used + instruction.raw.disp.offset, &rel32, 4);
            }
            used += instruction.length;
        }
        covered += instruction.length;
    }
    *written = used;
    return covered;
}

int rr_no_branch_into(const uint8_t *function, size_t length, uint64_t address, uint64_t from, uint64_t to) {
    ZydisDecoder decoder;
    if (!long_mode_decoder(&decoder)) return 0;
    size_t position = 0;
    int starts_at_from = 0, indirect = 0;
    while (position < length) {
        ZydisDecodedInstruction instruction;
        if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&decoder, NULL, function + position, length - position, &instruction))) {
            /* Padding or data after the function's code: enough if the checked range was passed. */
            if (!starts_at_from || address + position < to) return 0;
            break;
        }
        uint64_t here = address + position;
        if (here == from) starts_at_from = 1;
        if (is_relative_branch(&instruction)) {
            uint64_t target = here + instruction.length + (uint64_t)instruction.raw.imm[0].value.s;
            if (target > from && target < to) return 0;
        } else if (instruction.meta.category == ZYDIS_CATEGORY_UNCOND_BR || instruction.meta.category == ZYDIS_CATEGORY_COND_BR) {
            indirect = 1;  /* the direct branches after it still count */
        }
        position += instruction.length;
    }
    if (!starts_at_from) return 0;
    return indirect ? -1 : 1;
}

size_t rr_referenced_addresses(const uint8_t *function, size_t length, uint64_t address, uint64_t *out, size_t capacity) {
    ZydisDecoder decoder;
    if (!long_mode_decoder(&decoder)) return 0;
    size_t position = 0, count = 0;
    while (position < length) {
        ZydisDecodedInstruction instruction;
        ZydisDecodedOperand operands[ZYDIS_MAX_OPERAND_COUNT];
        if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&decoder, function + position, length - position, &instruction, operands))) break;
        uint64_t next = address + position + instruction.length;
        for (int i = 0; i < instruction.operand_count_visible; i++) {
            const ZydisDecodedOperand *operand = &operands[i];
            if (operand->type != ZYDIS_OPERAND_TYPE_MEMORY || !operand->mem.disp.has_displacement) continue;
            uint64_t named;
            if (operand->mem.base == ZYDIS_REGISTER_RIP) named = next + (uint64_t)operand->mem.disp.value;
            else if (operand->mem.base == ZYDIS_REGISTER_NONE && operand->mem.segment != ZYDIS_REGISTER_FS
                     && operand->mem.segment != ZYDIS_REGISTER_GS) named = (uint64_t)operand->mem.disp.value;
            else continue;
            if (count < capacity) out[count] = named;
            count++;
        }
        position += instruction.length;
    }
    return count;
}

size_t rr_nop_length(const uint8_t *code, size_t available) {
    ZydisDecoder decoder;
    if (!long_mode_decoder(&decoder)) return 0;
    size_t length = 0;
    while (length < available) {
        ZydisDecodedInstruction instruction;
        if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&decoder, NULL, code + length, available - length, &instruction))) break;
        if (instruction.mnemonic != ZYDIS_MNEMONIC_NOP) break;
        length += instruction.length;
    }
    return length;
}

uint64_t rr_lead_in_start(const uint8_t *function, size_t length, uint64_t address, uint64_t point, size_t needed) {
    ZydisDecoder decoder;
    if (!long_mode_decoder(&decoder)) return 0;
    enum { kept = 16 };
    uint64_t starts[kept];  /* the latest instruction starts since the last that does not fall through */
    size_t count = 0, position = 0;
    while (position < length) {
        uint64_t here = address + position;
        if (here == point) {
            for (size_t i = count; i > 0; i--) {
                if (point - starts[(i - 1) % kept] >= needed) return starts[(i - 1) % kept];
                if (count - i + 1 >= kept) break;
            }
            return 0;
        }
        if (here > point) return 0;
        ZydisDecodedInstruction instruction;
        if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&decoder, NULL, function + position, length - position, &instruction)))
            return 0;
        int falls_through;
        switch (instruction.meta.category) {
        case ZYDIS_CATEGORY_UNCOND_BR: case ZYDIS_CATEGORY_CALL: case ZYDIS_CATEGORY_RET: case ZYDIS_CATEGORY_SYSCALL:
        case ZYDIS_CATEGORY_SYSTEM: case ZYDIS_CATEGORY_INTERRUPT:
            falls_through = 0;
            break;
        default:
            switch (instruction.mnemonic) {
            case ZYDIS_MNEMONIC_JRCXZ: case ZYDIS_MNEMONIC_JECXZ: case ZYDIS_MNEMONIC_LOOP: case ZYDIS_MNEMONIC_LOOPE:
            case ZYDIS_MNEMONIC_LOOPNE: case ZYDIS_MNEMONIC_XBEGIN: case ZYDIS_MNEMONIC_XABORT: case ZYDIS_MNEMONIC_XEND:
            case ZYDIS_MNEMONIC_UD2: case ZYDIS_MNEMONIC_HLT:
                falls_through = 0;
                break;
            default:
                falls_through = 1;
            }
        }
        if (falls_through) {
            starts[count % kept] = here;
            count++;
        } else {
            count = 0;
        }
        position += instruction.length;
    }
    return 0;
}

size_t rr_branch_targets(const uint8_t *function, size_t length, uint64_t address, uint64_t *out, size_t capacity) {
    ZydisDecoder decoder;
    if (!long_mode_decoder(&decoder)) return 0;
    size_t position = 0, count = 0;
    while (position < length) {
        ZydisDecodedInstruction instruction;
        if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&decoder, NULL, function + position, length - position, &instruction)))
            break;
        if (is_relative_branch(&instruction)) {
            if (count < capacity)
                out[count] = address + position + instruction.length + (uint64_t)instruction.raw.imm[0].value.s;
            count++;
        }
        position += instruction.length;
    }
    return count;
}
