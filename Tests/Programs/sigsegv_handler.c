/* sigsegv_handler: a SA_SIGINFO SIGSEGV handler catches three faults on a
 * PROT_NONE page (reads and a write), reports si_addr relative to the page
 * and si_code, and escapes with siglongjmp. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

static sigjmp_buf env;
static char *page;
static volatile sig_atomic_t faults;

static void handler(int sig, siginfo_t *si, void *uctx) {
    (void)uctx;
    char msg[128];
    /* snprintf+write rather than stdio: stdout's buffer may be mid-update. */
    int n = snprintf(msg, sizeof msg, "  handler: sig=%d si_code=%s offset=%td\n", sig,
                     si->si_code == SEGV_ACCERR ? "SEGV_ACCERR" : si->si_code == SEGV_MAPERR ? "SEGV_MAPERR" : "other",
                     (char *)si->si_addr - page);
    if (write(1, msg, n) != n) _exit(3);
    faults++;
    siglongjmp(env, 1);  /* restores the signal mask (saved by sigsetjmp(env, 1)) */
}

int main(void) {
    long pg = sysconf(_SC_PAGESIZE);
    page = mmap(NULL, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(page != MAP_FAILED, "mmap PROT_NONE");

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGSEGV, &sa, NULL) == 0, "sigaction");

    const long offsets[3] = { 0, 123, pg - 1 };
    for (int i = 0; i < 3; i++) {
        printf("attempt %d: %s at offset %ld\n", i, i == 2 ? "write" : "read", offsets[i]);
        fflush(stdout);  /* keep ordering with the handler's raw write(1) */
        if (sigsetjmp(env, 1) == 0) {
            volatile char *p = page + offsets[i];
            if (i == 2) *p = 1;
            else (void)*p;
            printf("FAIL no fault at offset %ld\n", offsets[i]);
            exit(3);
        }
        printf("attempt %d: recovered, faults so far %d\n", i, (int)faults);
    }
    CHECK(faults == 3, "three faults");

    /* SIGSEGV must not be left blocked after siglongjmp. */
    sigset_t cur;
    CHECK(sigprocmask(SIG_BLOCK, NULL, &cur) == 0, "sigprocmask query");
    printf("SIGSEGV blocked after recovery: %s\n", sigismember(&cur, SIGSEGV) ? "yes" : "no");
    CHECK(!sigismember(&cur, SIGSEGV), "mask restored");

    /* After mprotect the page is accessible and no handler runs. */
    CHECK(mprotect(page, pg, PROT_READ | PROT_WRITE) == 0, "mprotect");
    page[123] = 'x';
    printf("after mprotect: page[123]=%c, faults %d\n", page[123], (int)faults);
    munmap(page, pg);
    fprintf(stderr, "sigsegv_handler: caught %d faults\n", (int)faults);
    return 0;
}
