/* exit_nonzero: prints to stdout (buffered, flushed by exit) and stderr,
 * runs an atexit handler, then exits with status 42 via exit_group. */
#include <stdio.h>
#include <stdlib.h>

static void bye(void) { printf("atexit handler ran\n"); }

int main(int argc, char **argv) {
    (void)argc;
    atexit(bye);
    printf("exit_nonzero: about to exit with status 42\n");
    fprintf(stderr, "exit_nonzero: %s exiting with 42\n", argv[0] ? "program" : "?");
    exit(42);
}
