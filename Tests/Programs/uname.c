/* uname: uname(2), gethostname, getdomainname, and reading the same data
 * from /proc/sys/kernel. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

int main(void) {
    struct utsname u;
    CHECK(uname(&u) == 0, "uname");
    printf("sysname:    %s\nnodename:   %s\nrelease:    %s\nversion:    %s\nmachine:    %s\ndomainname: %s\n",
           u.sysname, u.nodename, u.release, u.version, u.machine, u.domainname);
    CHECK(strcmp(u.sysname, "Linux") == 0 && strcmp(u.machine, "x86_64") == 0, "uname values");

    char host[256], dom[256];
    CHECK(gethostname(host, sizeof host) == 0, "gethostname");
    CHECK(getdomainname(dom, sizeof dom) == 0, "getdomainname");
    printf("gethostname: %s (matches nodename: %s)\n", host, strcmp(host, u.nodename) ? "no" : "yes");
    printf("getdomainname: %s\n", dom);
    CHECK(strcmp(host, u.nodename) == 0, "hostname matches");

    /* Same information through procfs. */
    char buf[256];
    int fd = open("/proc/sys/kernel/osrelease", O_RDONLY);
    CHECK(fd >= 0, "open osrelease");
    ssize_t n = read(fd, buf, sizeof buf - 1);
    CHECK(n > 0, "read osrelease");
    close(fd);
    buf[n] = 0;
    buf[strcspn(buf, "\n")] = 0;
    printf("/proc/sys/kernel/osrelease matches: %s\n", strcmp(buf, u.release) ? "no" : "yes");
    fprintf(stderr, "uname: %s %s\n", u.sysname, u.release);
    return 0;
}
