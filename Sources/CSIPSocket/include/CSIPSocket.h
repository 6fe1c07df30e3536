#ifndef CSIPSOCKET_H
#define CSIPSOCKET_H

#include <sys/socket.h>

/* glibc declares struct mmsghdr and sendmmsg only under _GNU_SOURCE, which Swift's Glibc module is not built with:
   the same layout under our own name, and calls made from C (mmsg.c) where they are declared (recvmmsg likewise). */
typedef struct {
    struct msghdr msg_hdr;
    unsigned int msg_len;
} CSIPSocket_mmsghdr;

/* Sends `vlen` datagrams with one system call (a loop of sendmsg where there is no sendmmsg). Returns how many were
   sent, or -1 with errno set when the first could not be. */
int CSIPSocket_sendmmsg(int fd, CSIPSocket_mmsghdr *msgvec, unsigned int vlen, int flags);

/* Receives up to `vlen` datagrams with one system call, without waiting (MSG_DONTWAIT; a loop of recvmsg where there
   is no recvmmsg). Returns how many were received, or -1 with errno set (EAGAIN: none was waiting). */
int CSIPSocket_recvmmsg(int fd, CSIPSocket_mmsghdr *msgvec, unsigned int vlen);

/* Asks the kernel to report ICMP errors (port or host unreachable) for the datagrams an unconnected socket sends,
   on the socket's error queue (IP_RECVERR / IPV6_RECVERR). Returns 0, or -1 with errno set (or where unsupported). */
int CSIPSocket_enable_errors(int fd, int family);

/* One ICMP error from the socket's error queue, without waiting: the datagram it was about (`payload`, as much as
   the ICMP message quoted, cut to `capacity`), where that datagram went (`destination`), and the error
   (`error_code`, an errno value such as ECONNREFUSED for port unreachable). Returns the payload's length, or -1 with
   errno set (EAGAIN: the queue is empty). */
int CSIPSocket_read_error(int fd, void *payload, int capacity, struct sockaddr_storage *destination,
                          socklen_t *destination_length, int *error_code);

#endif
