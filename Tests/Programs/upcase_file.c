// Writes a phrase to a file, reads it back and prints it upper-cased. The integration tests
// tamper with the recorded read() data: if replay really re-executes this code, the replayed
// output shows the tampered bytes upper-cased.
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    char path[64];
    snprintf(path, sizeof path, "/tmp/upcase_file.%d", (int)getpid());
    const char *phrase = "hello replay";
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
    if (fd < 0 || write(fd, phrase, strlen(phrase)) != (ssize_t)strlen(phrase)) { printf("FAIL write\n"); return 3; }
    char buffer[64] = {0};
    if (pread(fd, buffer, sizeof buffer - 1, 0) != (ssize_t)strlen(phrase)) { printf("FAIL read\n"); return 3; }
    close(fd);
    unlink(path);
    for (char *c = buffer; *c; c++) *c = (char)toupper((unsigned char)*c);
    printf("%s\n", buffer);
    return 0;
}
