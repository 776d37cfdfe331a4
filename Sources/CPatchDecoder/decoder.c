#include "patch_decoder.h"

#include <Zydis/Zydis.h>

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
    if (!ZYAN_SUCCESS(ZydisDecoderInit(&decoder, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64))) return 0;
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
    if (!ZYAN_SUCCESS(ZydisDecoderInit(&decoder, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64))) return 0;
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
    if (!ZYAN_SUCCESS(ZydisDecoderInit(&decoder, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64))) return 0;
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
