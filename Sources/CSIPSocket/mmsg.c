#define _GNU_SOURCE
#include <stddef.h>
#include <sys/socket.h>
#include "CSIPSocket.h"

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
