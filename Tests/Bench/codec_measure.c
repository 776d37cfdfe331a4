// codec_measure TRACE...: for each trace, inflates its blocks back to the raw message bytes the
// trace-writer compressed, then compresses and decompresses those same blocks with each candidate
// codec and prints one markdown row per candidate: ratio (raw / stored), compress and decompress
// MB/s (raw MB per second of CPU on one core). Used by codec_bench.sh (make bench-codecs).
//
// The blocks are the trace's own (1 MiB cuts, file contents in blocks of their own), so the
// numbers are those the trace-writer would see. "+stored" candidates keep a block's raw bytes
// when the codec does not make it smaller, to show what a per-block stored form would save.
// Each candidate runs PASSES times and the fastest pass counts: the machine is shared, and the
// fastest pass is the one least disturbed by others.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>
#include <zstd.h>

enum { HEADER_SIZE = 20, BLOCK_HEADER_SIZE = 28, PASSES = 3 };

struct block { unsigned char *raw; size_t size; };
struct blocks { struct block *items; size_t count, capacity; size_t total; };

static void die(const char *what) { fprintf(stderr, "codec_measure: %s\n", what); exit(1); }

static uint32_t u32_at(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

// The trace format is protocol/README.md section 6. The traces come straight from rr-launch
// record, so checksums are not checked again; a damaged block still fails to inflate.
static struct blocks read_trace(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) die("cannot open the trace");
    unsigned char header[BLOCK_HEADER_SIZE];
    if (fread(header, 1, HEADER_SIZE, f) != HEADER_SIZE || memcmp(header, "RRSWIFT", 8) != 0) die("not a trace");
    uint32_t compression = u32_at(header + 12);
    struct blocks all = {0};
    while (fread(header, 1, BLOCK_HEADER_SIZE, f) == BLOCK_HEADER_SIZE) {
        uint32_t flags = u32_at(header + 8), raw_size = u32_at(header + 12), stored_size = u32_at(header + 16);
        unsigned char *stored = malloc(stored_size + 1), *raw = malloc(raw_size + 1);
        if (!stored || !raw || fread(stored, 1, stored_size, f) != stored_size) die("truncated trace");
        if (compression == 1) {
            uLongf length = raw_size;
            if (uncompress(raw, &length, stored, stored_size) != Z_OK || length != raw_size) die("bad zlib block");
        } else if (ZSTD_decompress(raw, raw_size, stored, stored_size) != raw_size) {
            die("bad zstd block");
        }
        free(stored);
        if (all.count == all.capacity) {
            all.capacity = all.capacity ? all.capacity * 2 : 64;
            all.items = realloc(all.items, all.capacity * sizeof *all.items);
        }
        all.items[all.count++] = (struct block){raw, raw_size};
        all.total += raw_size;
        if (flags & 1) break;
    }
    fclose(f);
    return all;
}

enum kind { STORED, ZLIB, ZSTD };
struct candidate { const char *name; enum kind kind; int level; int keep_smaller; };

// Compresses `in` into `out` (capacity `room`); returns the stored size.
static size_t compress_one(const struct candidate *c, const struct block *in, unsigned char *out, size_t room) {
    size_t size;
    if (c->kind == STORED) {
        memcpy(out, in->raw, in->size);
        return in->size;
    } else if (c->kind == ZLIB) {
        uLongf length = room;
        if (compress2(out, &length, in->raw, in->size, c->level) != Z_OK) die("compress2 failed");
        size = length;
    } else {
        size = ZSTD_compress(out, room, in->raw, in->size, c->level);
        if (ZSTD_isError(size)) die("ZSTD_compress failed");
    }
    if (c->keep_smaller && size >= in->size) {
        memcpy(out, in->raw, in->size);
        return in->size;
    }
    return size;
}

static void decompress_one(const struct candidate *c, const unsigned char *stored, size_t stored_size,
                           unsigned char *out, size_t raw_size) {
    if (c->kind == STORED || (c->keep_smaller && stored_size == raw_size)) {
        memcpy(out, stored, raw_size);
    } else if (c->kind == ZLIB) {
        uLongf length = raw_size;
        if (uncompress(out, &length, stored, stored_size) != Z_OK || length != raw_size) die("uncompress failed");
    } else if (ZSTD_decompress(out, raw_size, stored, stored_size) != raw_size) {
        die("ZSTD_decompress failed");
    }
}

static void measure(const char *workload, const struct candidate *c, const struct blocks *all) {
    size_t largest = 0;
    for (size_t i = 0; i < all->count; i++) if (all->items[i].size > largest) largest = all->items[i].size;
    size_t room = compressBound(largest) > ZSTD_compressBound(largest) ? compressBound(largest) : ZSTD_compressBound(largest);
    unsigned char **stored = malloc(all->count * sizeof *stored);
    size_t *stored_sizes = malloc(all->count * sizeof *stored_sizes);
    unsigned char *scratch = malloc(largest + 1);
    for (size_t i = 0; i < all->count; i++) stored[i] = malloc(room);
    double best_compress = 1e30, best_decompress = 1e30;
    size_t stored_total = 0;
    for (int pass = 0; pass < PASSES; pass++) {
        double start = now();
        stored_total = 0;
        for (size_t i = 0; i < all->count; i++) {
            stored_sizes[i] = compress_one(c, &all->items[i], stored[i], room);
            stored_total += stored_sizes[i];
        }
        double middle = now();
        for (size_t i = 0; i < all->count; i++) decompress_one(c, stored[i], stored_sizes[i], scratch, all->items[i].size);
        double end = now();
        if (middle - start < best_compress) best_compress = middle - start;
        if (end - middle < best_decompress) best_decompress = end - middle;
    }
    double mb = (double)all->total / 1e6;
    printf("| %-34s | %-16s | %8.1f | %7.2f | %9.0f | %9.0f |\n", workload, c->name, mb,
           stored_total ? (double)all->total / (double)stored_total : 0.0, mb / best_compress, mb / best_decompress);
    for (size_t i = 0; i < all->count; i++) free(stored[i]);
    free(stored);
    free(stored_sizes);
    free(scratch);
}

int main(int argc, char **argv) {
    if (argc < 3 || argc % 2 == 0) die("usage: codec_measure WORKLOAD TRACE [WORKLOAD TRACE]...");
    static const struct candidate candidates[] = {
        {"stored", STORED, 0, 0},
        {"zlib 1", ZLIB, 1, 0},
        {"zlib 1 +stored", ZLIB, 1, 1},
        {"zlib 6", ZLIB, 6, 0},
        {"zstd -5", ZSTD, -5, 0},
        {"zstd -1", ZSTD, -1, 0},
        {"zstd 1", ZSTD, 1, 0},
        {"zstd 1 +stored", ZSTD, 1, 1},
        {"zstd 3", ZSTD, 3, 0},
    };
    printf("| %-34s | %-16s | %8s | %7s | %9s | %9s |\n", "workload", "codec level", "raw MB", "ratio",
           "comp MB/s", "dec MB/s");
    printf("|------------------------------------|------------------|---------:|--------:|----------:|----------:|\n");
    for (int i = 1; i + 1 < argc; i += 2) {
        struct blocks all = read_trace(argv[i + 1]);
        for (size_t k = 0; k < sizeof candidates / sizeof *candidates; k++) measure(argv[i], &candidates[k], &all);
        for (size_t b = 0; b < all.count; b++) free(all.items[b].raw);
        free(all.items);
    }
    return 0;
}
