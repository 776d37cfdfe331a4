/* The layout shared by the preload library (which writes it), the supervisor (which flushes it
 * into the trace) and the replayer (which refills it). protocol/README.md describes it for
 * independent readers; SyscallBufferLayout in Sources/RRCore/SyscallBufferEvents.swift mirrors these numbers. */
#ifndef RR_SYSCALLBUF_H
#define RR_SYSCALLBUF_H

#include <stdint.h>

/* The page every buffered process maps at a fixed address; its slots are entered by `call`. */
#define RR_PAGE_ADDRESS 0x70000000UL
#define RR_PAGE_SIZE 4096UL
/* Slot 0: an untraced syscall whose result is recorded in the buffer. In replay it does not
 * enter the kernel: it copies the record the replayer refilled over the live one and returns
 * its result. */
#define RR_SLOT_RECORDED 0
/* Slot 1: an ordinary traced syscall (seccomp sends it to the supervisor), in both modes. */
#define RR_SLOT_TRACED 32
/* Slot 2: an untraced syscall that is neither recorded nor replayed (arming the desched event).
 * In replay it returns 0. */
#define RR_SLOT_UNRECORDED 64
/* Slot 3: an untraced syscall whose result is recorded and that replay performs for real
 * (signal masks, memory protection): in replay it stops like any syscall and the replayer lets
 * it run. */
#define RR_SLOT_REPLAYED 96
#define RR_SLOT_SIZE 32

/* rr-specific syscall numbers (the kernel knows none of them and returns -ENOSYS). */
#define RR_CALL_INIT_PROCESS 1000 /* (stub area, its size, trampoline, replay page image) */
#define RR_CALL_INIT_THREAD 1001  /* (buffer address, buffer size) */

/* A thread's buffer: the header, the records, and (RR_SHADOW_OFFSET further on) the shadow area
 * where the replayer puts the recorded records for the replay stub to copy. */
struct rr_buffer_header {
    uint32_t recorded_bytes; /* bytes of complete records after the header */
    uint32_t busy;           /* 1 while a buffered syscall is being made (no reset then) */
    uint32_t reserved[14];
};
#define RR_BUFFER_HEADER_SIZE 64
#define RR_BUFFER_BUSY_OFFSET 4 /* the supervisor reads `busy` alone */
_Static_assert(sizeof(struct rr_buffer_header) == RR_BUFFER_HEADER_SIZE, "buffer header size");
_Static_assert(__builtin_offsetof(struct rr_buffer_header, busy) == RR_BUFFER_BUSY_OFFSET, "busy word offset");
#define RR_RECORDS_SIZE (256 * 1024 - RR_BUFFER_HEADER_SIZE)
#define RR_SHADOW_OFFSET (256 * 1024)
#define RR_BUFFER_MAPPING_SIZE (512 * 1024)

/* One buffered syscall. `size` includes this header and is a multiple of 8. */
struct rr_record {
    uint32_t size;
    int32_t syscallno;
    int64_t ret;
    uint8_t data[];
};
#define RR_RECORD_HEADER_SIZE 16

/* The signal the desched perf event sends when a thread blocks inside a buffered syscall. */
#define RR_DESCHED_SIGNAL 30 /* SIGPWR */

#endif
