#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include "CSIPSocket.h"
#ifdef __linux__
#include <linux/errqueue.h>
#endif

#ifdef __linux__
_Static_assert(sizeof(CSIPSocket_mmsghdr) == sizeof(struct mmsghdr), "CSIPSocket_mmsghdr has the layout of mmsghdr");

int CSIPSocket_sendmmsg(int fd, CSIPSocket_mmsghdr *msgvec, unsigned int vlen, int flags) {
    return sendmmsg(fd, (struct mmsghdr *)msgvec, vlen, flags);
}

int CSIPSocket_recvmmsg(int fd, CSIPSocket_mmsghdr *msgvec, unsigned int vlen) {
    return recvmmsg(fd, (struct mmsghdr *)msgvec, vlen, MSG_DONTWAIT, NULL);
}
#else
int CSIPSocket_sendmmsg(int fd, CSIPSocket_mmsghdr *msgvec, unsigned int vlen, int flags) {
    unsigned int i;
    for (i = 0; i < vlen; i++) {
        ssize_t n = sendmsg(fd, &msgvec[i].msg_hdr, flags);
        if (n < 0) return i > 0 ? (int)i : -1;
        msgvec[i].msg_len = (unsigned int)n;
    }
    return (int)i;
}

int CSIPSocket_recvmmsg(int fd, CSIPSocket_mmsghdr *msgvec, unsigned int vlen) {
    unsigned int i;
    for (i = 0; i < vlen; i++) {
        ssize_t n = recvmsg(fd, &msgvec[i].msg_hdr, MSG_DONTWAIT);
        if (n < 0) return i > 0 ? (int)i : -1;
        msgvec[i].msg_len = (unsigned int)n;
    }
    return (int)i;
}
#endif

#ifdef __linux__
int CSIPSocket_enable_errors(int fd, int family) {
    int one = 1;
    if (family == AF_INET6) {
        return setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof one);
    }
    return setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof one);
}

int CSIPSocket_read_error(int fd, void *payload, int capacity, struct sockaddr_storage *destination,
                          socklen_t *destination_length, int *error_code) {
    char control[512];
    struct iovec iov = { .iov_base = payload, .iov_len = (size_t)capacity };
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_name = destination;
    msg.msg_namelen = sizeof *destination;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
    if (n < 0) {
        return -1;
    }
    *destination_length = msg.msg_namelen;
    *error_code = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
        if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR)
            || (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)) {
            struct sock_extended_err err;
            memcpy(&err, CMSG_DATA(c), sizeof err);
            *error_code = (int)err.ee_errno;
        }
    }
    return (int)n;
}
#else
int CSIPSocket_enable_errors(int fd, int family) {
    (void)fd;
    (void)family;
    errno = ENOTSUP;
    return -1;
}

int CSIPSocket_read_error(int fd, void *payload, int capacity, struct sockaddr_storage *destination,
                          socklen_t *destination_length, int *error_code) {
    (void)fd; (void)payload; (void)capacity; (void)destination; (void)destination_length; (void)error_code;
    errno = EAGAIN;
    return -1;
}
#endif
