/* mmsg: sendmmsg and recvmmsg on a datagram socketpair: two messages sent in one call, received
 * in one call with a timeout (each message's length and bytes, the updated timeout), and
 * recvmmsg with MSG_DONTWAIT on an empty socket (EAGAIN). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s: %s\n", what, strerror(errno)); return 3; } } while (0)

int main(void) {
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "socketpair");

    char first[] = "first message", second[] = "the second, longer message";
    struct iovec out[2] = {{first, sizeof first - 1}, {second, sizeof second - 1}};
    struct mmsghdr sent[2];
    memset(sent, 0, sizeof sent);
    for (int i = 0; i < 2; i++) { sent[i].msg_hdr.msg_iov = &out[i]; sent[i].msg_hdr.msg_iovlen = 1; }
    int n = sendmmsg(sv[0], sent, 2, 0);
    CHECK(n == 2, "sendmmsg");
    printf("sendmmsg sent %d messages, lengths %u %u\n", n, sent[0].msg_len, sent[1].msg_len);

    char buffers[3][64];
    memset(buffers, '.', sizeof buffers);
    struct iovec in[3];
    struct mmsghdr received[3];
    memset(received, 0, sizeof received);
    for (int i = 0; i < 3; i++) {
        in[i].iov_base = buffers[i];
        in[i].iov_len = sizeof buffers[i];
        received[i].msg_hdr.msg_iov = &in[i];
        received[i].msg_hdr.msg_iovlen = 1;
        received[i].msg_len = 12345;
    }
    struct timespec timeout = {5, 0};
    n = recvmmsg(sv[1], received, 3, MSG_WAITFORONE, &timeout);
    CHECK(n == 2, "recvmmsg");
    printf("recvmmsg received %d messages\n", n);
    for (int i = 0; i < 3; i++) {
        printf("  message %d: length %u, flags %d, \"%.*s\"\n", i, received[i].msg_len, received[i].msg_hdr.msg_flags,
               (int)(received[i].msg_len < 64 ? received[i].msg_len : 0), buffers[i]);
    }
    printf("buffer 2 untouched: %s\n", buffers[2][0] == '.' ? "yes" : "no");
    printf("timeout updated and at most 5 s: %s\n", timeout.tv_sec <= 5 && timeout.tv_sec >= 0 ? "yes" : "no");

    errno = 0;
    n = recvmmsg(sv[1], received, 3, MSG_DONTWAIT, NULL);
    printf("recvmmsg on an empty socket: %d (%s)\n", n, errno == EAGAIN ? "EAGAIN" : strerror(errno));
    close(sv[0]);
    close(sv[1]);
    return 0;
}
