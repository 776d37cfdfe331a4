/* death_by_signal: prints, flushes, then abort(): the process dies by SIGABRT
 * (shell status 134). Core dumps are disabled so nothing is left behind. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

int main(void) {
    struct rlimit rl = { 0, 0 };
    setrlimit(RLIMIT_CORE, &rl);  /* no core file in the working directory */
    printf("death_by_signal: calling abort()\n");
    fprintf(stderr, "death_by_signal: expect SIGABRT\n");
    fflush(stdout);  /* abort() does not flush stdio buffers */
    printf("this buffered line is lost when abort() kills the process\n");
    abort();
}
