/* Stands for a program another user plants in a replay cache. Freestanding and static-pie, so
 * that it runs even where the kernel loads it in place of ld.so: if a replay ever executes it, it
 * creates the file named by $RR_PLANTED_MARKER (from the recorded environment) and exits 99.
 * Not in expected_status.txt: ReplayCacheTests plant it and check that it never runs. */
#define SYS_OPEN 2
#define SYS_CLOSE 3
#define SYS_EXIT_GROUP 231
#define MARKER_O_FLAGS 0101 /* O_WRONLY | O_CREAT */

static long syscall3(long number, long a, long b, long c) {
    long result;
    __asm__ volatile("syscall" : "=a"(result) : "a"(number), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return result;
}

static const char *value_of(const char *entry, const char *name) {
    while (*name)
        if (*entry++ != *name++) return 0;
    return *entry == '=' ? entry + 1 : 0;
}

/* The initial stack: argc, argv..., NULL, envp..., NULL. */
__attribute__((used)) static void start(long *stack) {
    char **environment = (char **)(stack + stack[0] + 2);
    for (; *environment; environment++) {
        const char *marker = value_of(*environment, "RR_PLANTED_MARKER");
        if (marker) syscall3(SYS_CLOSE, syscall3(SYS_OPEN, (long)marker, MARKER_O_FLAGS, 0644), 0, 0);
    }
    syscall3(SYS_EXIT_GROUP, 99, 0, 0);
}

__asm__(".globl _start\n_start:\n\tmov %rsp, %rdi\n\tand $-16, %rsp\n\tcall start\n\thlt\n");
