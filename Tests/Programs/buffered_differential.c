/* Differential test of syscall buffering (issue 8): exercises every syscall the preload library
 * buffers (the switch in Sources/Preload/preload.c) with the flag variants and edge cases whose
 * results and memory effects are easy to get subtly wrong, and prints a transcript that must be
 * byte for byte the same natively, recorded with `record -n` (every syscall traced) and recorded
 * with buffering, and again in the replays of both recordings.
 *
 * Every out buffer starts filled with PATTERN and is followed by GUARD_SIZE bytes of it, so the
 * transcript shows exactly which bytes were written and that nothing was written past the end.
 * The whole set runs twice: the supervisor patches a syscall site into a jump to the buffering
 * hook when it first traps, so the first pass makes mostly traced calls and the second buffered
 * ones. Only sites near the libraries, of the shape glibc's wrappers have, are patched; calls
 * glibc 2.36 makes with another syscall (stat, open, ...) or only through syscall(3) go through
 * raw_call, whose sites imitate a wrapper. Nothing nondeterministic is printed (no fd numbers,
 * inode numbers, times or ports).
 *
 * On a terminal (`script -qec PROG /dev/null`), the TCGETS and FIONREAD on fd 0 see a real tty. */
#define _GNU_SOURCE
#include <asm/termbits.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <limits.h>
#include <linux/futex.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#define PATTERN 0xA5
#define GUARD_SIZE 16
/* Buffers longer than this are shown as a hash of their bytes. */
#define SHOWN_BYTES 64
#define ARENA_SIZE 65536
#define ARENAS 4
/* The kernel's struct termios (asm/termbits.h), which TCGETS writes; glibc's is 60 bytes. */
#define KERNEL_TERMIOS_SIZE 36
_Static_assert(sizeof(struct termios) == KERNEL_TERMIOS_SIZE, "kernel termios");
/* What rt_sigprocmask writes: the kernel's sigset (glibc's sigset_t is 128 bytes). */
#define KERNEL_SIGSET_SIZE 8
#define PIPE_CAPACITY 4096
#define WAIT_LIMIT_MS 2000

/* More iovecs than the kernel takes (EINVAL); a global so that the compiler cannot see the value
 * and warn about reading past the arrays, which the kernel never does. */
int too_many_iovecs = IOV_MAX + 1;

static void fail(const char *what) {
    printf("FAIL %s: %s\n", what, strerror(errno));
    exit(3);
}

/* ---------------------------------------------------------------- out buffers and the transcript */

static uint8_t arenas[ARENAS][ARENA_SIZE + GUARD_SIZE];

/* Out buffer `which` (several can be in use at once), `size` bytes and its guard filled with PATTERN. */
static uint8_t *out_buffer(int which, size_t size) {
    if (size > ARENA_SIZE) fail("out buffer too large");
    memset(arenas[which], PATTERN, size + GUARD_SIZE);
    return arenas[which];
}

/* Prints a call's result, and its errno by name when it failed. errno is read first thing, so
 * `note("x", call(...))` reports the call's own errno. */
static long note(const char *label, long ret) {
    int error = errno;
    if (ret == -1) printf("%s: -1 %s\n", label, strerrorname_np(error));
    else printf("%s: %ld\n", label, ret);
    return ret;
}

static int guard_intact(const uint8_t *buffer, size_t size) {
    for (size_t i = 0; i < GUARD_SIZE; i++)
        if (buffer[size + i] != PATTERN) return 0;
    return 1;
}

static uint32_t fnv1a(const uint8_t *bytes, size_t size) {
    uint32_t hash = 2166136261u;
    for (size_t i = 0; i < size; i++) hash = (hash ^ bytes[i]) * 16777619u;
    return hash;
}

/* Prints a buffer's bytes (PATTERN where nothing was written) and whether its guard is intact. */
static void show(const char *name, const uint8_t *buffer, size_t size) {
    printf("  %s[%zu]: ", name, size);
    if (size <= SHOWN_BYTES) {
        for (size_t i = 0; i < size; i++) printf("%02x", buffer[i]);
    } else {
        size_t untouched = 0;
        for (size_t i = 0; i < size; i++) untouched += buffer[i] == PATTERN;
        printf("fnv1a %08x, %zu bytes unwritten", fnv1a(buffer, size), untouched);
    }
    printf(guard_intact(buffer, size) ? " guard ok\n" : " guard CLOBBERED\n");
}

/* The first `shown` bytes of a buffer of `size` bytes (the rest differs from run to run, like
 * received descriptor numbers), and whether the guard after all `size` is intact. */
static void show_prefix(const char *name, const uint8_t *buffer, size_t shown, size_t size) {
    printf("  %s[%zu of %zu]: ", name, shown, size);
    for (size_t i = 0; i < shown; i++) printf("%02x", buffer[i]);
    printf(guard_intact(buffer, size) ? " guard ok\n" : " guard CLOBBERED\n");
}

/* For buffers whose contents differ from run to run (stat, times, random bytes): only whether
 * they were written and whether the guard is intact. */
static void show_written(const char *name, const uint8_t *buffer, size_t size) {
    size_t untouched = 0;
    for (size_t i = 0; i < size; i++) untouched += buffer[i] == PATTERN;
    printf("  %s[%zu]: %s guard %s\n", name, size, untouched == size ? "unwritten" : "written",
           guard_intact(buffer, size) ? "ok" : "CLOBBERED");
}

/* poll's array: what was asked and what came back (not the fd numbers, which differ between runs). */
static void show_pollfds(const struct pollfd *fds, int count) {
    printf("  pollfds:");
    for (int i = 0; i < count; i++) printf(" %#x/%#x", fds[i].events, fds[i].revents);
    printf(" guard %s\n", guard_intact((const uint8_t *)fds, count * sizeof *fds) ? "ok" : "CLOBBERED");
}

static void show_socklen(const char *name, socklen_t length) { printf("  %s=%u\n", name, length); }

static void show_message(const struct msghdr *m) {
    printf("  msg_namelen=%u msg_controllen=%zu msg_flags=%#x\n", m->msg_namelen, m->msg_controllen, m->msg_flags);
}

/* ---------------------------------------------------------------- raw syscall sites */

/* One site per syscall number, as glibc's wrappers are compiled:
 *     mov $N, %eax; mov %rcx, %r10; syscall; cmp $-4095, %rax; ret
 * in an anonymous page, which lands near the libraries and so within a jump of the preload
 * library's stubs. */
#define SITE_SIZE 32
#define SITE_COUNT 512
static uint8_t *sites;

static void make_sites(void) {
    sites = mmap(NULL, SITE_SIZE * SITE_COUNT, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (sites == MAP_FAILED) fail("mmap sites");
    static const uint8_t after_number[] = {0x49, 0x89, 0xca, 0x0f, 0x05, 0x48, 0x3d, 0x01, 0xf0, 0xff, 0xff, 0xc3};
    for (uint32_t number = 0; number < SITE_COUNT; number++) {
        uint8_t *site = sites + number * SITE_SIZE;
        memset(site, 0xcc, SITE_SIZE);
        site[0] = 0xb8;
        memcpy(site + 1, &number, 4);
        memcpy(site + 5, after_number, sizeof after_number);
    }
    if (mprotect(sites, SITE_SIZE * SITE_COUNT, PROT_READ | PROT_EXEC) != 0) fail("mprotect sites");
}

/* Syscall `number` through its own site; -1 and errno on failure, like syscall(3). */
static long raw_call(long number, long a0, long a1, long a2, long a3, long a4, long a5) {
    if (number < 0 || number >= SITE_COUNT) fail("raw_call number");
    long (*site)(long, long, long, long, long, long) = (long (*)(long, long, long, long, long, long))(sites + number * SITE_SIZE);
    long ret = site(a0, a1, a2, a3, a4, a5);
    if ((unsigned long)ret > -4096UL) {
        errno = (int)-ret;
        return -1;
    }
    return ret;
}

#define RAW_CALL(number, ...) raw_call_n(number, __VA_ARGS__, 0, 0, 0, 0, 0, 0)
#define raw_call_n(number, a0, a1, a2, a3, a4, a5, ...) \
    raw_call(number, (long)(a0), (long)(a1), (long)(a2), (long)(a3), (long)(a4), (long)(a5))

/* ---------------------------------------------------------------- helpers */

static char directory[64];
static int pass;

static const char *path(const char *name) {
    static char buffer[2][128];
    static int next;
    char *p = buffer[next++ & 1];
    snprintf(p, sizeof buffer[0], "%s/%s", directory, name);
    return p;
}

static const char *const temporary_names[] = {"file", "copy", "dir", "dir2", "link", "renamed", "renamed2", "sub"};

static void remove_temporaries(void) {
    for (size_t i = 0; i < sizeof temporary_names / sizeof temporary_names[0]; i++) {
        unlink(path(temporary_names[i]));
        rmdir(path(temporary_names[i]));
    }
}

static void remove_directory(void) {
    if (!directory[0]) return;
    remove_temporaries();
    rmdir(directory);
}

static void fill_source(uint8_t *bytes, size_t size) {
    for (size_t i = 0; i < size; i++) bytes[i] = (uint8_t)(i * 7 + 1);
}

/* Waits (boundedly) until `fd` is readable: loopback and pty data arrive asynchronously. */
static void wait_readable(int fd) {
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, WAIT_LIMIT_MS) != 1) fail("waiting for data");
}

/* Waits until `fd` has `count` bytes queued, so that a read's partial result is deterministic. */
static void wait_queued(int fd, int count) {
    for (int i = 0; i < WAIT_LIMIT_MS; i++) {
        int queued = 0;
        if (ioctl(fd, FIONREAD, &queued) == 0 && queued >= count) return;
        struct timespec millisecond = {0, 1000000};
        nanosleep(&millisecond, NULL);
    }
    fail("waiting for queued bytes");
}

static void make_pipe(int fds[2], int flags) {
    if (pipe2(fds, flags) != 0) fail("pipe2");
}

static void close_pair(int fds[2]) {
    close(fds[0]);
    close(fds[1]);
}

static int open_file(const char *name, int flags) {
    int fd = open(path(name), flags, 0644);
    if (fd < 0) fail("open");
    return fd;
}

static void write_all(int fd, const void *bytes, size_t size) {
    if (write(fd, bytes, size) != (ssize_t)size) fail("write");
}

/* ---------------------------------------------------------------- files: read, write, seek */

static void file_reads_and_writes(void) {
    printf("-- files: read/write\n");
    uint8_t source[100];
    fill_source(source, sizeof source);
    int fd = (int)RAW_CALL(SYS_open, path("file"), O_CREAT | O_TRUNC | O_RDWR, 0644);
    if (fd < 0) fail("SYS_open");
    note("open missing", RAW_CALL(SYS_open, path("missing"), O_RDONLY));
    note("openat missing", openat(AT_FDCWD, path("missing"), O_RDONLY));
    note("write", write(fd, source, 60));
    note("write zero-length", write(fd, source, 0));
    note("write bad fd", write(999, source, 1));
    note("pwrite64", pwrite(fd, source + 60, 40, 60));
    note("pwrite64 negative offset", pwrite(fd, source, 1, -1));
    struct iovec gather[3] = {{source, 10}, {source + 10, 0}, {source + 10, 20}};
    note("writev", writev(fd, gather, 3));
    note("writev bad count", writev(fd, gather, too_many_iovecs));
    note("lseek end", lseek(fd, 0, SEEK_END));
    note("lseek bad whence", lseek(fd, 0, 99));
    note("lseek set", lseek(fd, 0, SEEK_SET));

    uint8_t *b = out_buffer(0, 10);
    note("read short buffer", read(fd, b, 10));
    show("data", b, 10);
    b = out_buffer(0, 64);
    note("read zero-length", read(fd, b, 0));
    show("data", b, 4);
    lseek(fd, -30, SEEK_END);
    note("read partial at end", read(fd, b, 64));
    show("data", b, 64);
    note("read at end", read(fd, b, 64));
    note("read bad fd", read(999, b, 1));
    int write_only = open_file("file", O_WRONLY);
    note("read write-only fd", read(write_only, b, 1));
    int read_only = open_file("file", O_RDONLY);
    note("write read-only fd", write(read_only, source, 1));
    int dir = open(directory, O_RDONLY | O_DIRECTORY);
    note("read directory", read(dir, b, 1));

    b = out_buffer(0, 32);
    note("pread64", pread(fd, b, 32, 80));
    show("data", b, 32);
    b = out_buffer(0, 8);
    note("pread64 past end", pread(fd, b, 8, 1000));
    show("data", b, 8);
    note("pread64 negative offset", pread(fd, b, 8, -5));

    uint8_t *first = out_buffer(0, 7), *second = out_buffer(1, 50), *third = out_buffer(2, 13);
    struct iovec scatter[4] = {{first, 7}, {second, 0}, {second, 50}, {third, 13}};
    lseek(fd, 70, SEEK_SET);
    note("readv partial", readv(fd, scatter, 4));
    show("iov0", first, 7);
    show("iov2", second, 50);
    show("iov3", third, 13);
    note("readv zero count", readv(fd, scatter, 0));
    note("readv bad count", readv(fd, scatter, too_many_iovecs));
    note("readv bad fd", readv(999, scatter, 1));
    close(write_only);
    close(read_only);
    close(dir);
    close(fd);
}

/* ---------------------------------------------------------------- files: metadata */

static void show_stat(const char *label, long ret, const uint8_t *buffer) {
    note(label, ret);
    const struct stat *s = (const struct stat *)buffer;
    if (ret == 0) printf("  size=%lld mode=%o nlink=%lu\n", (long long)s->st_size, s->st_mode, (unsigned long)s->st_nlink);
    show_written("stat", buffer, sizeof(struct stat));
}

static void file_metadata(void) {
    printf("-- files: metadata\n");
    int fd = open_file("file", O_RDWR);
    uint8_t *b = out_buffer(0, sizeof(struct stat));
    show_stat("fstat", RAW_CALL(SYS_fstat, fd, b), b);
    b = out_buffer(0, sizeof(struct stat));
    show_stat("fstat bad fd", RAW_CALL(SYS_fstat, 999, b), b);
    b = out_buffer(0, sizeof(struct stat));
    show_stat("stat", RAW_CALL(SYS_stat, path("file"), b), b);
    b = out_buffer(0, sizeof(struct stat));
    show_stat("stat missing", RAW_CALL(SYS_stat, path("missing"), b), b);
    if (symlink("file", path("link")) != 0) fail("symlink");
    b = out_buffer(0, sizeof(struct stat));
    show_stat("lstat link", RAW_CALL(SYS_lstat, path("link"), b), b);
    b = out_buffer(0, sizeof(struct stat));
    show_stat("newfstatat", RAW_CALL(SYS_newfstatat, AT_FDCWD, path("link"), b, 0), b);
    b = out_buffer(0, sizeof(struct stat));
    show_stat("newfstatat empty path", RAW_CALL(SYS_newfstatat, fd, "", b, AT_EMPTY_PATH), b);
    b = out_buffer(0, sizeof(struct stat));
    show_stat("newfstatat bad flags", RAW_CALL(SYS_newfstatat, fd, "", b, 0x7fff0000), b);
    b = out_buffer(0, sizeof(struct statx));
    note("statx", RAW_CALL(SYS_statx, AT_FDCWD, path("file"), 0, STATX_SIZE | STATX_MODE, b));
    const struct statx *x = (const struct statx *)b;
    printf("  size=%llu mode=%o\n", (unsigned long long)x->stx_size, x->stx_mode);
    show_written("statx", b, sizeof(struct statx));
    note("statx bad mask", RAW_CALL(SYS_statx, AT_FDCWD, path("file"), 0, 0x80000000u, b));

    note("access", RAW_CALL(SYS_access, path("file"), R_OK | W_OK));
    note("access missing", RAW_CALL(SYS_access, path("missing"), F_OK));
    note("faccessat", RAW_CALL(SYS_faccessat, AT_FDCWD, path("file"), X_OK));
    note("faccessat2", RAW_CALL(SYS_faccessat2, AT_FDCWD, path("link"), R_OK, AT_SYMLINK_NOFOLLOW));
    note("faccessat2 bad flags", RAW_CALL(SYS_faccessat2, AT_FDCWD, path("file"), R_OK, 0x7000));

    note("fchmod", fchmod(fd, 0600));
    note("fchown self", fchown(fd, getuid(), getgid()));
    note("fchmodat", fchmodat(AT_FDCWD, path("file"), 0640, 0));
    note("chmod", RAW_CALL(SYS_chmod, path("file"), 0644));
    note("chmod missing", RAW_CALL(SYS_chmod, path("missing"), 0644));
    note("fchownat self", fchownat(AT_FDCWD, path("file"), getuid(), getgid(), 0));
    struct timespec times[2] = {{1000000000, 0}, {1234567890, 500}};
    note("utimensat", utimensat(AT_FDCWD, path("file"), times, 0));
    note("utimensat bad flags", utimensat(AT_FDCWD, path("file"), times, 0x7000));
    struct stat s;
    RAW_CALL(SYS_stat, path("file"), &s);
    printf("  mtime=%lld.%09ld mode=%o\n", (long long)s.st_mtim.tv_sec, s.st_mtim.tv_nsec, s.st_mode);
    note("fadvise64", RAW_CALL(SYS_fadvise64, fd, 0, 0, POSIX_FADV_SEQUENTIAL));
    note("fadvise64 bad advice", RAW_CALL(SYS_fadvise64, fd, 0, 0, 99));
    note("ftruncate", ftruncate(fd, 50));
    note("ftruncate negative", ftruncate(fd, -1));
    note("fsync", fsync(fd));
    note("fdatasync", fdatasync(fd));
    note("fsync bad fd", fsync(999));

    int copy = open_file("copy", O_CREAT | O_TRUNC | O_RDWR);
    note("copy_file_range", RAW_CALL(SYS_copy_file_range, fd, NULL, copy, NULL, 100, 0));
    note("copy_file_range bad flags", RAW_CALL(SYS_copy_file_range, fd, NULL, copy, NULL, 100, 1));
    note("ioctl FICLONE", ioctl(copy, FICLONE, fd));
    note("ioctl FICLONE bad fd", ioctl(copy, FICLONE, 999));
    close(copy);
    close(fd);
}

static void file_xattrs(void) {
    printf("-- files: xattrs\n");
    int fd = open_file("file", O_RDWR);
    note("setxattr", setxattr(path("file"), "user.first", "value-one", 9, 0));
    note("setxattr create existing", setxattr(path("file"), "user.first", "x", 1, XATTR_CREATE));
    note("lsetxattr on symlink", lsetxattr(path("link"), "user.x", "v", 1, 0));
    note("fsetxattr", fsetxattr(fd, "user.second", "2", 1, 0));
    uint8_t *b = out_buffer(0, 32);
    note("getxattr", getxattr(path("file"), "user.first", b, 32));
    show("value", b, 32);
    b = out_buffer(0, 4);
    note("getxattr short buffer", getxattr(path("file"), "user.first", b, 4));
    show("value", b, 4);
    note("getxattr size query", getxattr(path("file"), "user.first", b, 0));
    show("value", b, 0);
    b = out_buffer(0, 16);
    note("lgetxattr through link name", lgetxattr(path("link"), "user.first", b, 16));
    show("value", b, 16);
    note("fgetxattr", fgetxattr(fd, "user.second", b, 16));
    show("value", b, 16);
    note("fgetxattr missing", fgetxattr(fd, "user.none", b, 16));
    b = out_buffer(0, 64);
    note("listxattr", listxattr(path("file"), (char *)b, 64));
    show("names", b, 64);
    b = out_buffer(0, 5);
    note("listxattr short buffer", listxattr(path("file"), (char *)b, 5));
    show("names", b, 5);
    note("llistxattr", llistxattr(path("link"), (char *)b, 0));
    b = out_buffer(0, 64);
    note("flistxattr", flistxattr(fd, (char *)b, 64));
    show("names", b, 64);
    note("removexattr", removexattr(path("file"), "user.first"));
    note("removexattr again", removexattr(path("file"), "user.first"));
    note("lremovexattr", lremovexattr(path("link"), "user.first"));
    note("fremovexattr", fremovexattr(fd, "user.second"));
    close(fd);
}

/* The entries' names and types (their inode numbers and offsets differ from run to run). */
static void show_entries(const uint8_t *bytes, long size) {
    for (long at = 0; at < size;) {
        const struct dirent64 *entry = (const struct dirent64 *)(bytes + at);
        printf("  entry %s type %d\n", entry->d_name, entry->d_type);
        at += entry->d_reclen;
    }
}

static void directories_and_links(void) {
    printf("-- files: directories and links\n");
    note("mkdir", RAW_CALL(SYS_mkdir, path("dir"), 0755));
    note("mkdir existing", RAW_CALL(SYS_mkdir, path("dir"), 0755));
    note("mkdirat", mkdirat(AT_FDCWD, path("dir2"), 0700));
    note("rename", RAW_CALL(SYS_rename, path("copy"), path("renamed")));
    note("rename missing", RAW_CALL(SYS_rename, path("missing"), path("renamed")));
    note("renameat", renameat(AT_FDCWD, path("renamed"), AT_FDCWD, path("renamed2")));
    int dir = open(directory, O_RDONLY | O_DIRECTORY);
    uint8_t *b = out_buffer(0, 4096);
    long got = note("getdents64", RAW_CALL(SYS_getdents64, dir, b, 4096));
    if (got > 0) show_entries(b, got);
    show_written("dirents", b, 4096);
    note("getdents64 at end", RAW_CALL(SYS_getdents64, dir, b, 4096));
    lseek(dir, 0, SEEK_SET);
    b = out_buffer(0, 8);
    note("getdents64 buffer too small", RAW_CALL(SYS_getdents64, dir, b, 8));
    show("dirents", b, 8);
    int file = open_file("file", O_RDONLY);
    note("getdents64 not a directory", RAW_CALL(SYS_getdents64, file, b, 8));
    close(file);

    b = out_buffer(0, 16);
    note("readlink", RAW_CALL(SYS_readlink, path("link"), b, 16));
    show("target", b, 16);
    b = out_buffer(0, 2);
    note("readlink short buffer", RAW_CALL(SYS_readlink, path("link"), b, 2));
    show("target", b, 2);
    note("readlink not a link", RAW_CALL(SYS_readlink, path("file"), b, 2));
    note("readlink zero size", RAW_CALL(SYS_readlink, path("link"), b, 0));
    b = out_buffer(0, 3);
    note("readlinkat", readlinkat(dir, "link", (char *)b, 3));
    show("target", b, 3);
    note("readlinkat missing", readlinkat(dir, "missing", (char *)b, 3));

    note("unlink", RAW_CALL(SYS_unlink, path("renamed2")));
    note("unlink missing", RAW_CALL(SYS_unlink, path("renamed2")));
    note("unlinkat dir", unlinkat(AT_FDCWD, path("dir"), AT_REMOVEDIR));
    note("unlinkat non-empty", unlinkat(dir, ".", AT_REMOVEDIR));
    note("unlinkat dir2", unlinkat(dir, "dir2", AT_REMOVEDIR));
    note("unlinkat link", unlinkat(dir, "link", 0));
    close(dir);
    remove_temporaries();
}

/* ---------------------------------------------------------------- pipes */

static void pipes(void) {
    printf("-- pipes\n");
    uint8_t source[3 * PIPE_CAPACITY];
    fill_source(source, sizeof source);
    int p[2];
    make_pipe(p, O_NONBLOCK);
    uint8_t *b = out_buffer(0, 16);
    note("read empty nonblocking", read(p[0], b, 16));
    note("fcntl F_GETFL", fcntl(p[0], F_GETFL));
    note("fcntl F_SETFL", fcntl(p[0], F_SETFL, 0));
    note("fcntl F_GETFL", fcntl(p[0], F_GETFL));
    note("fcntl F_GETFD", fcntl(p[0], F_GETFD));
    note("fcntl F_SETFD", fcntl(p[0], F_SETFD, FD_CLOEXEC));
    note("fcntl F_GETFD", fcntl(p[0], F_GETFD));
    note("fcntl F_SETFL bad fd", fcntl(999, F_SETFL, 0));
    if (fcntl(p[1], F_SETPIPE_SZ, PIPE_CAPACITY) < 0) fail("F_SETPIPE_SZ");
    note("write partial (full pipe)", write(p[1], source, sizeof source));
    note("write full pipe", write(p[1], source, 1));
    struct iovec gather[2] = {{source, 10}, {source, 10}};
    note("writev full pipe", writev(p[1], gather, 2));
    int queued = -1;
    note("ioctl FIONREAD", ioctl(p[0], FIONREAD, &queued));
    printf("  queued=%d\n", queued);
    uint8_t *big = out_buffer(0, 2 * PIPE_CAPACITY);
    note("read more than queued", read(p[0], big, 2 * PIPE_CAPACITY));
    show("data", big, 2 * PIPE_CAPACITY);
    note("writev", writev(p[1], gather, 2));
    b = out_buffer(0, 5);
    uint8_t *rest = out_buffer(1, 30);
    struct iovec scatter[2] = {{b, 5}, {rest, 30}};
    note("readv", readv(p[0], scatter, 2));
    show("iov0", b, 5);
    show("iov1", rest, 30);

    b = out_buffer(0, 8);
    int *count = (int *)b;
    note("ioctl FIONREAD empty", ioctl(p[0], FIONREAD, count));
    show("count", b, 4);
    b = out_buffer(0, sizeof(struct termios));
    note("ioctl TCGETS on a pipe", ioctl(p[0], TCGETS, b));
    show("termios", b, sizeof(struct termios));

    write_all(p[1], "xyz", 3);
    close(p[1]);
    b = out_buffer(0, 8);
    note("read after writer closed", read(p[0], b, 8));
    show("data", b, 8);
    note("read at end", read(p[0], b, 8));
    close(p[0]);

    make_pipe(p, 0);
    close(p[0]);
    note("write no reader", write(p[1], source, 1));
    close(p[1]);
}

/* ---------------------------------------------------------------- poll, epoll, futex */

static void waiting(void) {
    printf("-- poll, epoll, futex\n");
    int p[2];
    make_pipe(p, 0);
    write_all(p[1], "ab", 2);
    struct pollfd *fds = (struct pollfd *)out_buffer(0, 3 * sizeof(struct pollfd));
    fds[0] = (struct pollfd){p[0], POLLIN, 0};
    fds[1] = (struct pollfd){p[1], POLLIN | POLLOUT, 0};
    fds[2] = (struct pollfd){-1, POLLIN, 0};
    note("poll", poll(fds, 3, 0));
    show_pollfds(fds, 3);
    note("poll none", poll(NULL, 0, 0));
    fds = (struct pollfd *)out_buffer(0, sizeof(struct pollfd));
    fds[0] = (struct pollfd){999, POLLIN, 0};
    note("poll bad fd", poll(fds, 1, 0));
    show_pollfds(fds, 1);
    fds[0] = (struct pollfd){p[0], POLLIN, 0};
    struct timespec *timeout = (struct timespec *)out_buffer(1, sizeof(struct timespec));
    *timeout = (struct timespec){0, 0};
    note("ppoll", RAW_CALL(SYS_ppoll, fds, 1, timeout, NULL, 8));
    show_pollfds(fds, 1);
    show("timeout", (uint8_t *)timeout, sizeof(struct timespec));
    *timeout = (struct timespec){0, -1};
    note("ppoll bad timeout", RAW_CALL(SYS_ppoll, fds, 1, timeout, NULL, 8));
    *timeout = (struct timespec){100, 0};
    note("ppoll ready with timeout left", RAW_CALL(SYS_ppoll, fds, 1, timeout, NULL, 8));
    printf("  timeout left: %s\n", timeout->tv_sec >= 90 && timeout->tv_sec <= 100 ? "yes" : "no");
    sigset_t mask;
    sigemptyset(&mask);
    note("ppoll with mask", ppoll(fds, 1, &(struct timespec){0, 0}, &mask));

    int epoll = epoll_create1(0);
    struct epoll_event event = {EPOLLIN, {.u64 = 0x1122334455667788ull}};
    epoll_ctl(epoll, EPOLL_CTL_ADD, p[0], &event);
    event.data.u64 = 0x99;
    event.events = EPOLLOUT;
    epoll_ctl(epoll, EPOLL_CTL_ADD, p[1], &event);
    struct epoll_event *events = (struct epoll_event *)out_buffer(0, 4 * sizeof(struct epoll_event));
    note("epoll_wait", epoll_wait(epoll, events, 4, 0));
    show("events", (uint8_t *)events, 4 * sizeof(struct epoll_event));
    events = (struct epoll_event *)out_buffer(0, sizeof(struct epoll_event));
    note("epoll_wait room for one", epoll_wait(epoll, events, 1, 0));
    show("events", (uint8_t *)events, sizeof(struct epoll_event));
    note("epoll_wait bad fd", epoll_wait(999, events, 1, 0));
    note("epoll_wait not epoll", epoll_wait(p[0], events, 1, 0));
    events = (struct epoll_event *)out_buffer(0, 2 * sizeof(struct epoll_event));
    note("epoll_pwait", epoll_pwait(epoll, events, 2, 0, &mask));
    show("events", (uint8_t *)events, 2 * sizeof(struct epoll_event));
    char drain[2];
    if (read(p[0], drain, 2) != 2) fail("drain");
    events = (struct epoll_event *)out_buffer(0, 2 * sizeof(struct epoll_event));
    note("epoll_pwait one ready", epoll_pwait(epoll, events, 2, 1, NULL));
    show("events", (uint8_t *)events, 2 * sizeof(struct epoll_event));
    close(epoll);
    close_pair(p);

    static int word = 5;
    note("futex wake", RAW_CALL(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
    note("futex wake bitset", RAW_CALL(SYS_futex, &word, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, FUTEX_BITSET_MATCH_ANY));
    note("futex wait value changed", RAW_CALL(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 4, NULL, NULL, 0));
    struct timespec short_wait = {0, 1000000};
    note("futex wait timeout", RAW_CALL(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 5, &short_wait, NULL, 0));
    note("futex wait bitset zero mask", RAW_CALL(SYS_futex, &word, FUTEX_WAIT_BITSET_PRIVATE, 5, NULL, NULL, 0));
}

/* ---------------------------------------------------------------- unix sockets */

static int socket_pair(int type, int fds[2]) {
    if (socketpair(AF_UNIX, type, 0, fds) != 0) fail("socketpair");
    return 0;
}

/* A datagram or stream message in `count` pieces of the given sizes, for recvmsg. */
struct message {
    struct msghdr header;
    struct iovec iov[3];
};

static struct msghdr *message(struct message *m, size_t sizes[], int count, void *name, socklen_t name_size,
                              void *control, size_t control_size) {
    memset(m, 0, sizeof *m);
    for (int i = 0; i < count; i++) m->iov[i] = (struct iovec){out_buffer(i, sizes[i]), sizes[i]};
    m->header = (struct msghdr){name, name_size, m->iov, (size_t)count, control, control_size, 0x7777};
    return &m->header;
}

static void show_pieces(struct message *m) {
    for (size_t i = 0; i < m->header.msg_iovlen; i++) {
        char name[24];
        snprintf(name, sizeof name, "iov%zu", i);
        show(name, m->iov[i].iov_base, m->iov[i].iov_len);
    }
}

static void unix_stream(void) {
    printf("-- unix stream\n");
    int s[2];
    socket_pair(SOCK_STREAM, s);
    uint8_t source[200];
    fill_source(source, sizeof source);
    uint8_t *b = out_buffer(0, 16);
    note("recv MSG_DONTWAIT empty", recv(s[0], b, 16, MSG_DONTWAIT));
    note("sendto", sendto(s[1], source, 50, 0, NULL, 0));
    note("sendto bad fd", sendto(999, source, 50, 0, NULL, 0));
    note("recv MSG_PEEK", recv(s[0], b, 16, MSG_PEEK));
    show("data", b, 16);
    b = out_buffer(0, 16);
    note("recv MSG_TRUNC", recv(s[0], b, 16, MSG_TRUNC));
    show("data", b, 16);
    b = out_buffer(0, 64);
    note("recv rest", recv(s[0], b, 64, 0));
    show("data", b, 64);
    note("send", send(s[1], source, 30, 0));
    note("send", send(s[1], source + 30, 30, 0));
    b = out_buffer(0, 60);
    note("recv MSG_WAITALL", recv(s[0], b, 60, MSG_WAITALL));
    show("data", b, 60);

    note("send", send(s[1], source, 40, 0));
    struct sockaddr_un *from = (struct sockaddr_un *)out_buffer(1, sizeof(struct sockaddr_un));
    socklen_t from_length = sizeof(struct sockaddr_un);
    b = out_buffer(0, 8);
    note("recvfrom with address", recvfrom(s[0], b, 8, 0, (struct sockaddr *)from, &from_length));
    show("data", b, 8);
    show("address", (uint8_t *)from, from_length < sizeof *from ? from_length : sizeof *from);
    show_socklen("address length", from_length);
    from_length = 77;
    note("recvfrom length without address", recvfrom(s[0], b, 8, 0, NULL, &from_length));
    show_socklen("address length", from_length);

    struct message m;
    size_t sizes[3] = {5, 0, 12};
    struct msghdr *h = message(&m, sizes, 3, NULL, 0, NULL, 0);
    note("recvmsg scattered", recvmsg(s[0], h, 0));
    show_pieces(&m);
    show_message(h);
    h = message(&m, sizes, 3, NULL, 0, NULL, 64);
    note("recvmsg no control buffer, control length set", recvmsg(s[0], h, MSG_DONTWAIT));
    show_pieces(&m);
    show_message(h);
    note("recvmsg empty MSG_DONTWAIT", recvmsg(s[0], h, MSG_DONTWAIT));
    show_message(h);
    note("recvmsg bad fd", recvmsg(999, h, 0));
    note("recvmsg bad flags", recvmsg(s[0], h, MSG_OOB));
    struct msghdr plain = {0};
    struct iovec piece = {source, 20};
    plain.msg_iov = &piece;
    plain.msg_iovlen = 1;
    note("sendmsg", sendmsg(s[1], &plain, 0));
    h = message(&m, sizes, 1, NULL, 0, NULL, 0);
    note("recvmsg MSG_TRUNC", recvmsg(s[0], h, MSG_TRUNC));
    show_pieces(&m);
    show_message(h);
    note("sendmsg bad fd", sendmsg(999, &plain, 0));
    note("shutdown", shutdown(s[1], SHUT_WR));
    b = out_buffer(0, 64);
    note("recv after shutdown", recv(s[0], b, 64, 0));
    show("data", b, 64);
    note("send after shutdown", send(s[1], source, 1, MSG_NOSIGNAL));
    close_pair(s);
}

/* Sends `count` descriptors (a pipe's read end, after writing `tag` into it) over `fd`. */
static void send_descriptors(int fd, int count, const char *tag) {
    int p[2];
    make_pipe(p, 0);
    write_all(p[1], tag, strlen(tag));
    close(p[1]);
    int fds[3] = {p[0], p[0], p[0]};
    union {
        char bytes[CMSG_SPACE(sizeof fds)];
        struct cmsghdr align;
    } control;
    struct iovec piece = {(void *)"with fds", 8};
    struct msghdr h = {NULL, 0, &piece, 1, control.bytes, CMSG_SPACE(count * sizeof(int)), 0};
    struct cmsghdr *c = CMSG_FIRSTHDR(&h);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(count * sizeof(int));
    memcpy(CMSG_DATA(c), fds, count * sizeof(int));
    note("sendmsg SCM_RIGHTS", sendmsg(fd, &h, 0));
    close(p[0]);
}

/* What arrived in the control buffer: headers, and for each descriptor whether it works and
 * what it reads (not its number, which differs between runs). Closes the descriptors. */
static void show_control(struct msghdr *h) {
    for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
        printf("  cmsg level=%d type=%d len=%zu\n", c->cmsg_level, c->cmsg_type, c->cmsg_len);
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        int count = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        for (int i = 0; i < count; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            char tag[16] = {0};
            long flags = fcntl(fd, F_GETFD);
            long got = i == 0 ? read(fd, tag, sizeof tag - 1) : 0;
            printf("  fd %d: F_GETFD %ld, read %ld '%s'\n", i, flags, got, tag);
            close(fd);
        }
    }
}

static void descriptor_passing(int type, const char *kind) {
    printf("-- SCM_RIGHTS over unix %s\n", kind);
    int s[2];
    socket_pair(type, s);
    struct message m;
    size_t sizes[1] = {16};

    send_descriptors(s[1], 3, "three");
    uint8_t *control = out_buffer(3, CMSG_SPACE(3 * sizeof(int)));
    struct msghdr *h = message(&m, sizes, 1, NULL, 0, control, CMSG_SPACE(3 * sizeof(int)));
    note("recvmsg room for all", recvmsg(s[0], h, 0));
    show_pieces(&m);
    show_message(h);
    show_prefix("control", control, CMSG_LEN(0), CMSG_SPACE(3 * sizeof(int)));
    show_control(h);

    send_descriptors(s[1], 2, "cloexec");
    control = out_buffer(3, CMSG_SPACE(2 * sizeof(int)));
    h = message(&m, sizes, 1, NULL, 0, control, CMSG_SPACE(2 * sizeof(int)));
    note("recvmsg MSG_CMSG_CLOEXEC", recvmsg(s[0], h, MSG_CMSG_CLOEXEC));
    show_message(h);
    show_control(h);

    send_descriptors(s[1], 3, "truncated");
    control = out_buffer(3, CMSG_LEN(sizeof(int)));
    h = message(&m, sizes, 1, NULL, 0, control, CMSG_LEN(sizeof(int)));
    note("recvmsg room for one (MSG_CTRUNC)", recvmsg(s[0], h, 0));
    show_message(h);
    show_control(h);
    show("control guard", control + CMSG_LEN(sizeof(int)), 0);

    send_descriptors(s[1], 1, "tiny");
    control = out_buffer(3, 8);
    h = message(&m, sizes, 1, NULL, 0, control, 8);
    note("recvmsg control smaller than a header", recvmsg(s[0], h, 0));
    show_message(h);
    show("control", control, 8);

    send_descriptors(s[1], 1, "none");
    h = message(&m, sizes, 1, NULL, 0, NULL, 0);
    note("recvmsg without control buffer", recvmsg(s[0], h, 0));
    show_pieces(&m);
    show_message(h);
    close_pair(s);
}

static void unix_datagram(void) {
    printf("-- unix datagram\n");
    int s[2];
    socket_pair(SOCK_DGRAM, s);
    uint8_t source[100];
    fill_source(source, sizeof source);
    for (int i = 0; i < 6; i++) note("send datagram", send(s[1], source, 100 - i, 0));
    note("send empty datagram", send(s[1], source, 0, 0));
    uint8_t *b = out_buffer(0, 40);
    note("recv short buffer", recv(s[0], b, 40, 0));
    show("data", b, 40);
    b = out_buffer(0, 40);
    note("recv MSG_TRUNC", recv(s[0], b, 40, MSG_TRUNC));
    show("data", b, 40);
    b = out_buffer(0, 40);
    note("recv MSG_PEEK|MSG_TRUNC", recv(s[0], b, 40, MSG_PEEK | MSG_TRUNC));
    show("data", b, 40);
    note("recvfrom size query (NULL, 0, MSG_TRUNC)", recvfrom(s[0], NULL, 0, MSG_TRUNC, NULL, NULL));
    socklen_t from_length = sizeof(struct sockaddr_un);
    struct sockaddr_un *from = (struct sockaddr_un *)out_buffer(1, sizeof *from);
    b = out_buffer(0, 40);
    note("recvfrom MSG_TRUNC with address", recvfrom(s[0], b, 40, MSG_TRUNC, (struct sockaddr *)from, &from_length));
    show("data", b, 40);
    show_socklen("address length", from_length);

    struct message m;
    size_t sizes[3] = {10, 0, 20};
    struct msghdr *h = message(&m, sizes, 3, NULL, 0, NULL, 0);
    note("recvmsg short (MSG_TRUNC in flags)", recvmsg(s[0], h, 0));
    show_pieces(&m);
    show_message(h);
    h = message(&m, sizes, 3, NULL, 0, NULL, 0);
    note("recvmsg with MSG_TRUNC", recvmsg(s[0], h, MSG_TRUNC));
    show_pieces(&m);
    show_message(h);
    h = message(&m, sizes, 3, NULL, 0, NULL, 0);
    note("recvmsg empty datagram", recvmsg(s[0], h, 0));
    show_pieces(&m);
    show_message(h);
    note("recv MSG_DONTWAIT empty", recv(s[0], b, 40, MSG_DONTWAIT));
    static uint8_t huge[300000];
    note("send too large", send(s[1], huge, sizeof huge, 0));
    close_pair(s);
}

/* A datagram socket bound to an abstract address of a fixed length (the pid in it is padded). */
static int bound_datagram_socket(struct sockaddr_un *address, socklen_t *length, const char *role) {
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    if (fd < 0) fail("socket");
    memset(address, 0, sizeof *address);
    address->sun_family = AF_UNIX;
    snprintf(address->sun_path + 1, sizeof address->sun_path - 1, "rr-diff-%s-%010d-%d", role, getpid(), pass);
    *length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(address->sun_path + 1));
    if (bind(fd, (struct sockaddr *)address, *length) != 0) fail("bind");
    return fd;
}

static void unix_datagram_addresses(void) {
    printf("-- unix datagram addresses\n");
    struct sockaddr_un receiver_address, sender_address;
    socklen_t receiver_length, sender_length;
    int receiver = bound_datagram_socket(&receiver_address, &receiver_length, "r");
    int sender = bound_datagram_socket(&sender_address, &sender_length, "s");
    for (int i = 0; i < 4; i++)
        note("sendto", sendto(sender, "dgram", 5, 0, (struct sockaddr *)&receiver_address, receiver_length));
    struct sockaddr_un *from = (struct sockaddr_un *)out_buffer(1, sizeof *from);
    socklen_t from_length = sizeof *from;
    uint8_t *b = out_buffer(0, 8);
    note("recvfrom", recvfrom(receiver, b, 8, 0, (struct sockaddr *)from, &from_length));
    show("data", b, 8);
    show_socklen("address length", from_length);
    printf("  address matches sender: %s\n", from_length == sender_length && !memcmp(from, &sender_address, sender_length) ? "yes" : "no");
    from = (struct sockaddr_un *)out_buffer(1, 4);
    from_length = 4;
    note("recvfrom short address", recvfrom(receiver, b, 8, 0, (struct sockaddr *)from, &from_length));
    show("address", (uint8_t *)from, 4);
    show_socklen("address length", from_length);
    from_length = 0;
    note("recvfrom zero address length", recvfrom(receiver, b, 8, 0, (struct sockaddr *)from, &from_length));
    show_prefix("address", (uint8_t *)from, 4, 4);
    show_socklen("address length", from_length);
    struct message m;
    size_t sizes[1] = {8};
    from = (struct sockaddr_un *)out_buffer(1, 6);
    struct msghdr *h = message(&m, sizes, 1, from, 6, NULL, 0);
    note("recvmsg short name", recvmsg(receiver, h, 0));
    show_pieces(&m);
    show("name", (uint8_t *)from, 6);
    show_message(h);
    close(receiver);
    close(sender);
}

/* ---------------------------------------------------------------- TCP and UDP on loopback */

static struct sockaddr_in loopback(void) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    return a;
}

static int bound_inet_socket(int type, struct sockaddr_in *address) {
    int fd = socket(AF_INET, type, 0);
    if (fd < 0) fail("socket");
    *address = loopback();
    socklen_t length = sizeof *address;
    if (bind(fd, (struct sockaddr *)address, length) != 0 || getsockname(fd, (struct sockaddr *)address, &length) != 0)
        fail("bind");
    return fd;
}

/* An IPv4 address without its port, which is chosen by the kernel and differs between runs. */
static void show_inet_address(const uint8_t *bytes, socklen_t length, const struct sockaddr_in *expected) {
    const struct sockaddr_in *a = (const struct sockaddr_in *)bytes;
    if (length >= sizeof *a)
        printf("  family=%d address=%08x port matches: %s\n", a->sin_family, ntohl(a->sin_addr.s_addr),
               a->sin_port == expected->sin_port ? "yes" : "no");
    show_written("address", bytes, sizeof *a);
}

static void tcp(void) {
    printf("-- tcp loopback\n");
    struct sockaddr_in address;
    int listener = bound_inet_socket(SOCK_STREAM, &address);
    if (listen(listener, 1) != 0) fail("listen");
    int client = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(client, (struct sockaddr *)&address, sizeof address) != 0) fail("connect");
    int server = accept(listener, NULL, NULL);
    if (server < 0) fail("accept");
    uint8_t source[100];
    fill_source(source, sizeof source);
    uint8_t *b = out_buffer(0, 16);
    note("recv MSG_DONTWAIT empty", recv(server, b, 16, MSG_DONTWAIT));
    note("send", send(client, source, 100, 0));
    wait_queued(server, 100);
    note("recv MSG_PEEK", recv(server, b, 16, MSG_PEEK));
    show("data", b, 16);
    b = out_buffer(0, 16);
    note("recv MSG_TRUNC (discards)", recv(server, b, 16, MSG_TRUNC));
    show("data", b, 16);
    b = out_buffer(0, 10);
    struct sockaddr_in *from = (struct sockaddr_in *)out_buffer(1, sizeof *from);
    socklen_t from_length = sizeof *from;
    note("recvfrom with address", recvfrom(server, b, 10, 0, (struct sockaddr *)from, &from_length));
    show("data", b, 10);
    show_socklen("address length", from_length);
    show("address", (uint8_t *)from, sizeof *from);
    struct message m;
    size_t sizes[3] = {7, 0, 9};
    struct sockaddr_in *name = (struct sockaddr_in *)out_buffer(3, sizeof *name);
    struct msghdr *h = message(&m, sizes, 3, name, sizeof *name, NULL, 0);
    note("recvmsg with name", recvmsg(server, h, 0));
    show_pieces(&m);
    show_message(h);
    h = message(&m, sizes, 1, NULL, 0, NULL, 0);
    note("recvmsg MSG_TRUNC (discards)", recvmsg(server, h, MSG_TRUNC | MSG_DONTWAIT));
    show_pieces(&m);
    show_message(h);
    int queued = -1;
    note("ioctl FIONREAD", ioctl(server, FIONREAD, &queued));
    printf("  queued=%d\n", queued);
    note("send", send(client, source, 20, 0));
    note("send", send(client, source, 20, 0));
    b = out_buffer(0, 72);
    note("recv MSG_WAITALL", recv(server, b, 72, MSG_WAITALL));
    show("data", b, 72);
    note("shutdown", shutdown(client, SHUT_WR));
    b = out_buffer(0, 64);
    note("recv rest", recv(server, b, 64, 0));
    show("data", b, 64);
    note("recv at end", recv(server, b, 8, 0));
    note("recv MSG_DONTWAIT at end", recv(server, b, 8, MSG_DONTWAIT));
    close(client);
    close(server);
    close(listener);
}

static void udp(void) {
    printf("-- udp loopback\n");
    struct sockaddr_in receiver_address, sender_address;
    int receiver = bound_inet_socket(SOCK_DGRAM, &receiver_address);
    int sender = bound_inet_socket(SOCK_DGRAM, &sender_address);
    int on = 1;
    if (setsockopt(receiver, IPPROTO_IP, IP_RECVTTL, &on, sizeof on) != 0) fail("IP_RECVTTL");
    uint8_t source[100];
    fill_source(source, sizeof source);
    for (int i = 0; i < 6; i++)
        note("sendto", sendto(sender, source, 60 + i, 0, (struct sockaddr *)&receiver_address, sizeof receiver_address));
    note("sendto no address", sendto(sender, source, 10, 0, NULL, 0));
    wait_readable(receiver);

    uint8_t *b = out_buffer(0, 16);
    struct sockaddr_in *from = (struct sockaddr_in *)out_buffer(1, sizeof *from);
    socklen_t from_length = sizeof *from;
    note("recvfrom MSG_TRUNC", recvfrom(receiver, b, 16, MSG_TRUNC, (struct sockaddr *)from, &from_length));
    show("data", b, 16);
    show_socklen("address length", from_length);
    show_inet_address((uint8_t *)from, from_length, &sender_address);
    wait_readable(receiver);
    b = out_buffer(0, 16);
    from = (struct sockaddr_in *)out_buffer(1, 4);
    from_length = 4;
    note("recvfrom short address", recvfrom(receiver, b, 16, 0, (struct sockaddr *)from, &from_length));
    show("data", b, 16);
    show_prefix("address", (uint8_t *)from, 2, 4); /* then the port */
    show_socklen("address length", from_length);
    wait_readable(receiver);
    from_length = 0;
    note("recvfrom zero address length", recvfrom(receiver, b, 16, MSG_PEEK, (struct sockaddr *)from, &from_length));
    show_socklen("address length", from_length);

    struct message m;
    size_t sizes[2] = {20, 30};
    uint8_t *control = out_buffer(3, 64);
    struct sockaddr_in *name = (struct sockaddr_in *)out_buffer(2, sizeof *name);
    struct msghdr *h = message(&m, sizes, 2, name, sizeof *name, control, 64);
    note("recvmsg with name and IP_TTL", recvmsg(receiver, h, 0));
    show_pieces(&m);
    show_message(h);
    show_inet_address((uint8_t *)name, h->msg_namelen, &sender_address);
    show_control(h);
    show("control", control, 64);
    wait_readable(receiver);
    control = out_buffer(3, CMSG_LEN(0));
    h = message(&m, sizes, 1, NULL, 0, control, CMSG_LEN(0));
    note("recvmsg control too small (MSG_CTRUNC)", recvmsg(receiver, h, MSG_TRUNC));
    show_pieces(&m);
    show_message(h);
    show("control", control, CMSG_LEN(0));
    wait_readable(receiver);
    name = (struct sockaddr_in *)out_buffer(2, 3);
    h = message(&m, sizes, 1, name, 3, NULL, 0);
    note("recvmsg name too small", recvmsg(receiver, h, 0));
    show_prefix("name", (uint8_t *)name, 2, 3); /* then the port */
    show_message(h);
    wait_readable(receiver);
    note("recv size query (NULL, 0, MSG_TRUNC|MSG_PEEK)", recv(receiver, NULL, 0, MSG_TRUNC | MSG_PEEK));
    b = out_buffer(0, 100);
    note("recv MSG_WAITALL", recv(receiver, b, 100, MSG_WAITALL));
    show("data", b, 100);
    note("recv MSG_DONTWAIT empty", recv(receiver, b, 100, MSG_DONTWAIT));
    close(receiver);
    close(sender);
}

/* ---------------------------------------------------------------- terminals */

static void show_tcgets(const char *label, int fd) {
    uint8_t *b = out_buffer(0, sizeof(struct termios));
    note(label, ioctl(fd, TCGETS, b));
    show("termios", b, sizeof(struct termios));
}

/* Reads what arrives on `fd` until `expected` bytes came (the tty layer delivers asynchronously). */
static void read_arrivals(const char *label, int fd, size_t expected) {
    uint8_t *b = out_buffer(0, 64);
    size_t got = 0;
    while (got < expected) {
        wait_readable(fd);
        ssize_t n = read(fd, b + got, 64 - got);
        if (n <= 0) break;
        got += (size_t)n;
    }
    printf("%s: %zu bytes\n", label, got);
    show("data", b, 64);
}

static void pseudo_terminal(void) {
    printf("-- pseudo-terminal\n");
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) fail("posix_openpt");
    int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    if (slave < 0) fail("open slave");
    show_tcgets("ioctl TCGETS master", master);
    show_tcgets("ioctl TCGETS slave", slave);
    write_all(master, "hello\n", 6);
    wait_readable(slave);
    int *count = (int *)out_buffer(1, 4);
    note("ioctl FIONREAD slave", ioctl(slave, FIONREAD, count));
    show("count", (uint8_t *)count, 4);
    uint8_t *b = out_buffer(0, 3);
    note("read slave short buffer", read(slave, b, 3));
    show("data", b, 3);
    b = out_buffer(0, 32);
    note("read slave rest of line", read(slave, b, 32));
    show("data", b, 32);
    read_arrivals("read master echo", master, 7);
    write_all(slave, "out\n", 4);
    read_arrivals("read master output", master, 5);
    close(slave);
    close(master);
}

static void standard_descriptors(void) {
    printf("-- standard descriptors\n");
    show_tcgets("ioctl TCGETS fd 0", 0);
    show_tcgets("ioctl TCGETS fd 1", 1);
    int *count = (int *)out_buffer(1, 4);
    note("ioctl FIONREAD fd 0", ioctl(0, FIONREAD, count));
    show("count", (uint8_t *)count, 4);
    uint8_t *b = out_buffer(0, sizeof(struct stat));
    note("fstat fd 0", RAW_CALL(SYS_fstat, 0, b));
    printf("  type=%o\n", ((struct stat *)b)->st_mode & S_IFMT);
    show_written("stat", b, sizeof(struct stat));
}

/* ---------------------------------------------------------------- process state, time, memory */

static void process_and_time(void) {
    printf("-- ids, time, random\n");
    printf("getpid==gettid: %s\n", RAW_CALL(SYS_getpid, 0) == RAW_CALL(SYS_gettid, 0) ? "yes" : "no");
    printf("getppid>0: %s\n", RAW_CALL(SYS_getppid, 0) > 0 ? "yes" : "no");
    printf("uid==euid: %s gid==egid: %s\n", RAW_CALL(SYS_getuid, 0) == RAW_CALL(SYS_geteuid, 0) ? "yes" : "no",
           RAW_CALL(SYS_getgid, 0) == RAW_CALL(SYS_getegid, 0) ? "yes" : "no");
    uint8_t *b = out_buffer(0, 16);
    note("clock_gettime", RAW_CALL(SYS_clock_gettime, CLOCK_MONOTONIC, b));
    show_written("timespec", b, 16);
    b = out_buffer(0, 16);
    note("clock_gettime bad clock", RAW_CALL(SYS_clock_gettime, 12345, b));
    show("timespec", b, 16);
    b = out_buffer(0, sizeof(struct timeval));
    note("gettimeofday", RAW_CALL(SYS_gettimeofday, b, NULL));
    show_written("timeval", b, sizeof(struct timeval));
    printf("time>0: %s\n", RAW_CALL(SYS_time, NULL) > 0 ? "yes" : "no");
    b = out_buffer(0, 16);
    note("getrandom", getrandom(b, 16, 0));
    show_written("random", b, 16);
    note("getrandom nonblocking", getrandom(b, 16, GRND_NONBLOCK));
    show_written("random", b, 16);
    note("getrandom zero", getrandom(b, 0, 0));
    note("getrandom bad flags", getrandom(b, 16, 0x100));
}

static void signals_and_memory(void) {
    printf("-- signal mask, memory\n");
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGUSR2);
    uint8_t *old = out_buffer(0, sizeof(sigset_t));
    note("rt_sigprocmask block", RAW_CALL(SYS_rt_sigprocmask, SIG_BLOCK, &block, old, KERNEL_SIGSET_SIZE));
    show("old", old, KERNEL_SIGSET_SIZE);
    show("rest", old + KERNEL_SIGSET_SIZE, sizeof(sigset_t) - KERNEL_SIGSET_SIZE);
    old = out_buffer(0, KERNEL_SIGSET_SIZE);
    note("rt_sigprocmask query", RAW_CALL(SYS_rt_sigprocmask, SIG_SETMASK, NULL, old, KERNEL_SIGSET_SIZE));
    show("old", old, KERNEL_SIGSET_SIZE);
    note("rt_sigprocmask bad how", RAW_CALL(SYS_rt_sigprocmask, 99, &block, old, KERNEL_SIGSET_SIZE));
    note("rt_sigprocmask unblock", RAW_CALL(SYS_rt_sigprocmask, SIG_UNBLOCK, &block, NULL, KERNEL_SIGSET_SIZE));

    long page_size = sysconf(_SC_PAGESIZE);
    uint8_t *page = mmap(NULL, (size_t)page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) fail("mmap");
    memset(page, 0x42, (size_t)page_size);
    note("mprotect read-only", mprotect(page, (size_t)page_size, PROT_READ));
    note("mprotect unaligned", mprotect(page + 1, 1, PROT_READ));
    note("mprotect read-write", mprotect(page, (size_t)page_size, PROT_READ | PROT_WRITE));
    note("madvise DONTNEED", madvise(page, (size_t)page_size, MADV_DONTNEED));
    printf("  after DONTNEED: %02x\n", page[0]);
    note("madvise bad advice", madvise(page, (size_t)page_size, 12345));
    munmap(page, (size_t)page_size);
}

/* ---------------------------------------------------------------- main */

static void scm_rights_stream(void) { descriptor_passing(SOCK_STREAM, "stream"); }
static void scm_rights_datagram(void) { descriptor_passing(SOCK_DGRAM, "datagram"); }

static const struct section {
    const char *name;
    void (*run)(void);
} sections[] = {
    {"files", file_reads_and_writes},
    {"metadata", file_metadata},
    {"xattrs", file_xattrs},
    {"directories", directories_and_links},
    {"pipes", pipes},
    {"waiting", waiting},
    {"unix-stream", unix_stream},
    {"scm-rights-stream", scm_rights_stream},
    {"scm-rights-datagram", scm_rights_datagram},
    {"unix-datagram", unix_datagram},
    {"unix-addresses", unix_datagram_addresses},
    {"tcp", tcp},
    {"udp", udp},
    {"pty", pseudo_terminal},
    {"stdio", standard_descriptors},
    {"time", process_and_time},
    {"memory", signals_and_memory},
};
#define SECTION_COUNT (sizeof sections / sizeof sections[0])

static int selected(const struct section *section, int argc, char **argv) {
    if (argc < 2) return 1;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], section->name)) return 1;
    return 0;
}

/* Runs every section, or those named on the command line (files needs to run before metadata,
 * xattrs and directories, which use its file). */
int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    snprintf(directory, sizeof directory, "/tmp/rr-buffered-differential-XXXXXX");
    if (!mkdtemp(directory)) fail("mkdtemp");
    atexit(remove_directory);
    make_sites();
    for (pass = 1; pass <= 2; pass++) {
        printf("==== pass %d\n", pass);
        for (size_t i = 0; i < SECTION_COUNT; i++)
            if (selected(&sections[i], argc, argv)) sections[i].run();
    }
    printf("done\n");
    return 0;
}
