/* sockets_local: AF_UNIX socketpair (stream and datagram): send/recv,
 * sendmsg/recvmsg with scattered iovecs, SCM_RIGHTS fd passing, MSG_PEEK,
 * getsockopt/setsockopt, readv/writev, shutdown. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); exit(3); } } while (0)

int main(void) {
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    char buf[256];

    CHECK(send(sv[0], "ping", 4, 0) == 4, "send");
    ssize_t n = recv(sv[1], buf, sizeof buf, 0);
    CHECK(n == 4, "recv");
    printf("recv: %.*s\n", (int)n, buf);

    /* sendmsg gathers three buffers; recvmsg scatters into two. */
    struct iovec out[3] = { { "alpha-", 6 }, { "beta-", 5 }, { "gamma", 5 } };
    struct msghdr m = { .msg_iov = out, .msg_iovlen = 3 };
    CHECK(sendmsg(sv[0], &m, 0) == 16, "sendmsg");
    char p1[10] = {0}, p2[10] = {0};
    struct iovec in[2] = { { p1, 10 }, { p2, 10 } };
    struct msghdr r = { .msg_iov = in, .msg_iovlen = 2 };
    n = recvmsg(sv[1], &r, 0);
    CHECK(n == 16, "recvmsg");
    printf("recvmsg %zd bytes: part1=%.10s part2=%.6s\n", n, p1, p2);

    /* Pass a pipe's write end over the socket (SCM_RIGHTS) and use the copy. */
    int pp[2];
    CHECK(pipe(pp) == 0, "pipe");
    union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } ctl;
    memset(&ctl, 0, sizeof ctl);
    struct iovec one = { "F", 1 };
    struct msghdr fm = { .msg_iov = &one, .msg_iovlen = 1, .msg_control = ctl.b, .msg_controllen = sizeof ctl.b };
    struct cmsghdr *c = CMSG_FIRSTHDR(&fm);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &pp[1], sizeof(int));
    CHECK(sendmsg(sv[0], &fm, 0) == 1, "sendmsg SCM_RIGHTS");
    memset(&ctl, 0, sizeof ctl);
    struct iovec oin = { buf, 1 };
    struct msghdr rm = { .msg_iov = &oin, .msg_iovlen = 1, .msg_control = ctl.b, .msg_controllen = sizeof ctl.b };
    CHECK(recvmsg(sv[1], &rm, MSG_CMSG_CLOEXEC) == 1, "recvmsg SCM_RIGHTS");
    c = CMSG_FIRSTHDR(&rm);
    CHECK(c && c->cmsg_type == SCM_RIGHTS, "got SCM_RIGHTS");
    int newfd;
    memcpy(&newfd, CMSG_DATA(c), sizeof newfd);
    CHECK(newfd != pp[1] && write(newfd, "via passed fd", 13) == 13, "write via passed fd");
    n = read(pp[0], buf, sizeof buf);
    CHECK(n == 13, "read pipe");
    printf("SCM_RIGHTS: received a new fd (distinct: yes), pipe got: %.*s\n", (int)n, buf);
    close(newfd); close(pp[0]); close(pp[1]);

    int type = 0, sndbuf = 0;
    socklen_t len = sizeof type;
    CHECK(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &len) == 0, "SO_TYPE");
    printf("SO_TYPE = %s\n", type == SOCK_STREAM ? "SOCK_STREAM" : "other");
    CHECK(type == SOCK_STREAM, "type");
    int want = 65536;
    CHECK(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &want, sizeof want) == 0, "SO_SNDBUF set");
    len = sizeof sndbuf;
    CHECK(getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, &len) == 0, "SO_SNDBUF get");
    printf("SO_SNDBUF after setting 65536: %d\n", sndbuf);  /* kernel doubles it */

    /* writev/readv on the socket. */
    struct iovec wv[2] = { { "hello, ", 7 }, { "writev", 6 } };
    CHECK(writev(sv[1], wv, 2) == 13, "writev");
    char r1[5], r2[16] = {0};
    struct iovec rv[2] = { { r1, 5 }, { r2, 8 } };
    CHECK(readv(sv[0], rv, 2) == 13, "readv");
    printf("readv: [%.5s] [%.8s]\n", r1, r2);

    /* MSG_PEEK leaves data queued. */
    CHECK(send(sv[0], "peekaboo", 8, 0) == 8, "send peek");
    CHECK(recv(sv[1], buf, 4, MSG_PEEK) == 4, "peek");
    n = recv(sv[1], buf + 4, sizeof buf - 4, 0);
    CHECK(n == 8, "recv after peek");
    printf("peeked %.4s, then received %.8s\n", buf, buf + 4);

    /* shutdown(SHUT_WR) gives EOF to the peer. */
    CHECK(shutdown(sv[0], SHUT_WR) == 0, "shutdown");
    CHECK(recv(sv[1], buf, sizeof buf, 0) == 0, "EOF after shutdown");
    printf("after shutdown(SHUT_WR): peer reads EOF\n");
    close(sv[0]); close(sv[1]);

    /* Datagram socketpair preserves message boundaries. */
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) == 0, "socketpair dgram");
    CHECK(send(sv[0], "one", 3, 0) == 3 && send(sv[0], "three", 5, 0) == 5, "send dgrams");
    ssize_t a = recv(sv[1], buf, sizeof buf, 0), b = recv(sv[1], buf + 10, sizeof buf - 10, MSG_DONTWAIT);
    printf("datagrams: %zd bytes (%.3s), %zd bytes (%.5s)\n", a, buf, b, buf + 10);
    CHECK(a == 3 && b == 5, "dgram boundaries");
    CHECK(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT) == -1 && errno == EAGAIN, "empty EAGAIN");
    printf("empty datagram socket, MSG_DONTWAIT -> EAGAIN\n");
    close(sv[0]); close(sv[1]);
    fprintf(stderr, "sockets_local: done\n");
    return 0;
}
