/* proc_status: read /proc/self/status with stdio and print it, plus pick out
 * a few fields (Name, Pid, TracerPid, VmRSS). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

int main(void) {
    FILE *f = fopen("/proc/self/status", "r");
    CHECK(f != NULL, "fopen /proc/self/status");
    char line[512], name[64] = "", tracer[64] = "", rss[64] = "";
    long pid = -1;
    int lines = 0;
    while (fgets(line, sizeof line, f)) {
        fputs(line, stdout);
        lines++;
        if (!strncmp(line, "Name:", 5)) sscanf(line + 5, "%63s", name);
        if (!strncmp(line, "Pid:", 4)) pid = strtol(line + 4, NULL, 10);
        if (!strncmp(line, "TracerPid:", 10)) sscanf(line + 10, "%63s", tracer);
        if (!strncmp(line, "VmRSS:", 6)) sscanf(line + 6, " %63[^\n]", rss);
    }
    CHECK(!ferror(f), "read");
    fclose(f);

    printf("---\n%d lines; Name=%s Pid=%ld (matches getpid: %s) TracerPid=%s VmRSS=%s\n", lines, name, pid,
           pid == getpid() ? "yes" : "no", tracer, rss);
    CHECK(lines > 5 && pid == getpid(), "status content");
    fprintf(stderr, "proc_status: being traced: %s\n", strcmp(tracer, "0") ? "yes" : "no");
    return 0;
}
