/* The digest of the bytes a write-like syscall outputs (protocol/README.md, "Output digest").
 * Recording stores it with each write, send and their vector forms; replay computes it again
 * from the bytes the replayed program passes, so output that differs is a divergence at the
 * call, not text printed silently. One definition for the preload library (buffered calls,
 * computed inside the program) and the supervisor and replayer (traced calls, computed from
 * tracee memory): static inline, so that the preload library, which links nothing but libc,
 * compiles its own copy.
 *
 * The bytes are taken as 64-bit little-endian words (a last partial word padded with zeros);
 * word k is mixed by a multiply into lane k mod 4 (four lanes keep four multiplies in flight:
 * one chain ran at 1.6 GB/s here); the lanes and the byte count are mixed together last. Calls
 * to rr_output_digest_add may split the bytes anywhere (an iovec array): the result depends only
 * on their concatenation. Not cryptographic: it tells replayed output from recorded output. */
#ifndef RR_OUTPUT_DIGEST_H
#define RR_OUTPUT_DIGEST_H

#include <stdint.h>

#define RR_OUTPUT_DIGEST_SEED 0x9e3779b97f4a7c15ULL
#define RR_OUTPUT_DIGEST_MULTIPLIER 0xbf58476d1ce4e5b9ULL

#define RR_OUTPUT_DIGEST_LANES 4

struct rr_output_digest {
    uint64_t lanes[RR_OUTPUT_DIGEST_LANES];
    uint64_t pending; /* the bytes of an unfinished word, in its low bytes */
    uint64_t length;  /* bytes added so far */
};

static inline uint64_t rr_output_digest_mix(uint64_t state, uint64_t word) {
    state = (state ^ word) * RR_OUTPUT_DIGEST_MULTIPLIER;
    return state ^ (state >> 32);
}

static inline uint64_t rr_output_digest_load(const unsigned char *p) {
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24
        | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

static inline void rr_output_digest_init(struct rr_output_digest *digest) {
    for (int lane = 0; lane < RR_OUTPUT_DIGEST_LANES; lane++) digest->lanes[lane] = RR_OUTPUT_DIGEST_SEED + (uint64_t)lane;
    digest->pending = 0;
    digest->length = 0;
}

static inline void rr_output_digest_add(struct rr_output_digest *digest, const void *data, uint64_t count) {
    /* In locals: the bytes may alias the digest as far as the compiler knows. */
    const unsigned char *bytes = (const unsigned char *)data;
    uint64_t a = digest->lanes[0], b = digest->lanes[1], c = digest->lanes[2], d = digest->lanes[3];
    uint64_t pending = digest->pending, length = digest->length, i = 0;
#define RR_OUTPUT_DIGEST_WORD(word)                                                               \
    switch ((length >> 3) & 3) {                                                                  \
    case 0: a = rr_output_digest_mix(a, word); break;                                             \
    case 1: b = rr_output_digest_mix(b, word); break;                                             \
    case 2: c = rr_output_digest_mix(c, word); break;                                             \
    default: d = rr_output_digest_mix(d, word); break;                                            \
    }
    /* Finish a word begun by an earlier call, then single words up to a lane-0 word. */
    for (; i < count && (length & 7); i++, length++) {
        pending |= (uint64_t)bytes[i] << (8 * (length & 7));
        if ((length & 7) == 7) {
            RR_OUTPUT_DIGEST_WORD(pending)
            pending = 0;
        }
    }
    for (; i + 8 <= count && (length & 31); i += 8, length += 8) { RR_OUTPUT_DIGEST_WORD(rr_output_digest_load(bytes + i)) }
    for (; i + 32 <= count; i += 32, length += 32) {
        a = rr_output_digest_mix(a, rr_output_digest_load(bytes + i));
        b = rr_output_digest_mix(b, rr_output_digest_load(bytes + i + 8));
        c = rr_output_digest_mix(c, rr_output_digest_load(bytes + i + 16));
        d = rr_output_digest_mix(d, rr_output_digest_load(bytes + i + 24));
    }
    for (; i + 8 <= count; i += 8, length += 8) { RR_OUTPUT_DIGEST_WORD(rr_output_digest_load(bytes + i)) }
#undef RR_OUTPUT_DIGEST_WORD
    for (; i < count; i++, length++) pending |= (uint64_t)bytes[i] << (8 * (length & 7));
    digest->lanes[0] = a;
    digest->lanes[1] = b;
    digest->lanes[2] = c;
    digest->lanes[3] = d;
    digest->pending = pending;
    digest->length = length;
}

static inline uint64_t rr_output_digest_finish(const struct rr_output_digest *digest) {
    struct rr_output_digest last = *digest;
    if (last.length & 7) {
        /* The padded last word goes to its lane like any other. */
        uint64_t lane = (last.length >> 3) & 3;
        last.lanes[lane] = rr_output_digest_mix(last.lanes[lane], last.pending);
    }
    uint64_t state = RR_OUTPUT_DIGEST_SEED;
    for (int lane = 0; lane < RR_OUTPUT_DIGEST_LANES; lane++) state = rr_output_digest_mix(state, last.lanes[lane]);
    return rr_output_digest_mix(state, last.length);
}

#endif
