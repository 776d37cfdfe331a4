/* sigaltstack: a SA_ONSTACK handler runs on the alternate stack (checked by
 * the address of a local and by SS_ONSTACK); a handler without SA_ONSTACK
 * runs on the normal stack. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)
#define ALT_SIZE (64 * 1024)

static char *alt;
static volatile int on_alt, ss_onstack, ran;
static volatile uintptr_t local_addr;

static void handler(int sig) {
    (void)sig;
    char local;
    stack_t cur;
    local_addr = (uintptr_t)&local;
    on_alt = &local >= alt && &local < alt + ALT_SIZE;
    ss_onstack = sigaltstack(NULL, &cur) == 0 && (cur.ss_flags & SS_ONSTACK);
    ran++;
}

int main(void) {
    alt = malloc(ALT_SIZE);
    CHECK(alt != NULL, "malloc");
    stack_t ss = { .ss_sp = alt, .ss_size = ALT_SIZE, .ss_flags = 0 }, old;
    CHECK(sigaltstack(&ss, &old) == 0, "sigaltstack");
    printf("previous altstack disabled: %s\n", (old.ss_flags & SS_DISABLE) ? "yes" : "no");

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction USR1");
    sa.sa_flags = 0;
    CHECK(sigaction(SIGUSR2, &sa, NULL) == 0, "sigaction USR2");

    CHECK(raise(SIGUSR1) == 0, "raise USR1");
    printf("SA_ONSTACK handler: ran=%d on alt stack=%s SS_ONSTACK=%s depth below top=%lu\n", ran,
           on_alt ? "yes" : "no", ss_onstack ? "yes" : "no",
           (unsigned long)((uintptr_t)alt + ALT_SIZE - local_addr));
    CHECK(ran == 1 && on_alt && ss_onstack, "handler on alternate stack");

    CHECK(raise(SIGUSR2) == 0, "raise USR2");
    printf("plain handler:      ran=%d on alt stack=%s SS_ONSTACK=%s\n", ran, on_alt ? "yes" : "no",
           ss_onstack ? "yes" : "no");
    CHECK(ran == 2 && !on_alt && !ss_onstack, "handler on normal stack");

    /* Outside any handler we are not on the alt stack. */
    stack_t cur;
    CHECK(sigaltstack(NULL, &cur) == 0, "query");
    printf("in main: SS_ONSTACK=%s size=%zu\n", (cur.ss_flags & SS_ONSTACK) ? "yes" : "no", cur.ss_size);

    /* Disable and verify. */
    ss.ss_flags = SS_DISABLE;
    CHECK(sigaltstack(&ss, NULL) == 0, "disable");
    CHECK(sigaltstack(NULL, &cur) == 0 && (cur.ss_flags & SS_DISABLE), "disabled");
    CHECK(raise(SIGUSR1) == 0 && ran == 3 && !on_alt, "SA_ONSTACK without altstack uses normal stack");
    printf("after SS_DISABLE, SA_ONSTACK handler on alt stack=%s\n", on_alt ? "yes" : "no");
    free(alt);
    fprintf(stderr, "sigaltstack: done\n");
    return 0;
}
