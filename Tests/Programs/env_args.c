/* env_args: argc/argv, a few environment variables, and the ELF auxiliary
 * vector (AT_RANDOM bytes, AT_EXECFN, AT_PAGESZ, AT_HWCAP, AT_PLATFORM,
 * AT_SYSINFO_EHDR, AT_CLKTCK, AT_SECURE) as set up by the kernel at exec. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
    printf("argc = %d\n", argc);
    for (int i = 0; i < argc; i++) printf("argv[%d] = %s\n", i, argv[i]);
    if (argv[argc] != NULL) { printf("FAIL argv not NULL-terminated\n"); exit(3); }

    const char *names[] = { "HOME", "PATH", "USER", "LANG", "TERM", "RR_TEST_UNSET_VARIABLE" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = getenv(names[i]);
        printf("%s=%s\n", names[i], v ? v : "(unset)");
    }
    int nenv = 0;
    while (environ[nenv]) nenv++;
    printf("environment has %d entries\n", nenv);

    /* 16 random bytes the kernel placed on the stack (used for the stack canary). */
    const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
    if (!rnd) { printf("FAIL no AT_RANDOM\n"); exit(3); }
    printf("AT_RANDOM = ");
    for (int i = 0; i < 16; i++) printf("%02x", rnd[i]);
    printf("\n");

    const char *execfn = (const char *)getauxval(AT_EXECFN);
    const char *platform = (const char *)getauxval(AT_PLATFORM);
    printf("AT_EXECFN = %s\n", execfn ? execfn : "(none)");
    printf("AT_PLATFORM = %s\n", platform ? platform : "(none)");
    printf("AT_PAGESZ = %lu\n", getauxval(AT_PAGESZ));
    printf("AT_CLKTCK = %lu\n", getauxval(AT_CLKTCK));
    printf("AT_HWCAP = %#lx\n", getauxval(AT_HWCAP));
    printf("AT_HWCAP2 = %#lx\n", getauxval(AT_HWCAP2));
    printf("AT_SECURE = %lu\n", getauxval(AT_SECURE));
    printf("AT_SYSINFO_EHDR (vDSO) = %#lx\n", getauxval(AT_SYSINFO_EHDR));
    printf("AT_UID = %lu AT_EUID = %lu\n", getauxval(AT_UID), getauxval(AT_EUID));
    if (getauxval(AT_PAGESZ) != (unsigned long)sysconf(_SC_PAGESIZE)) { printf("FAIL AT_PAGESZ\n"); exit(3); }
    if (!execfn || strcmp(execfn, argv[0]) != 0) printf("note: AT_EXECFN differs from argv[0]\n");
    fprintf(stderr, "env_args: argc=%d\n", argc);
    return 0;
}
