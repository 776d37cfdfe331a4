/* hup_handler: a SIGHUP handler that reports and exits 3 (a daemon told to stop). With the
 * argument "wait" it writes its pid to ./pid and waits for the signal from outside (the stop
 * tests of StopRecordingTests); without it, it raises SIGHUP itself. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void on_hangup(int signal) {
    (void)signal;
    static const char message[] = "got hup\n";
    if (write(1, message, sizeof message - 1) < 0) _exit(1);
    _exit(3);
}

int main(int argc, char **argv) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_hangup;
    sigaction(SIGHUP, &action, NULL);
    printf("waiting for SIGHUP\n");
    fflush(stdout);
    if (argc > 1 && strcmp(argv[1], "wait") == 0) {
        FILE *file = fopen("pid", "w");
        if (!file) { perror("pid"); return 1; }
        fprintf(file, "%d\n", (int)getpid());
        fclose(file);
        for (;;) pause();
    }
    raise(SIGHUP);
    return 0;
}
