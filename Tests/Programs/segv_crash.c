/* segv_crash: prints, flushes, then stores through a NULL pointer with no
 * handler installed: dies by SIGSEGV (shell status 139). */
#include <stdio.h>
#include <sys/resource.h>

int main(void) {
    struct rlimit rl = { 0, 0 };
    setrlimit(RLIMIT_CORE, &rl);  /* no core file in the working directory */
    /* Volatile pointer and pointee: the compiler can neither prove the
     * pointer NULL (and emit a trap) nor drop the store as dead. */
    volatile int *volatile p = NULL;
    printf("segv_crash: writing to NULL\n");
    fprintf(stderr, "segv_crash: expect SIGSEGV\n");
    fflush(stdout);
    *p = 42;
    printf("FAIL still alive after NULL store\n");
    return 3;
}
