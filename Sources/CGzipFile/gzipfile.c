#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "CGzipFile.h"

// A gzip stream: zlib reads and inflates.
static ssize_t gz_read(void *cookie, char *buffer, size_t size) {
    int n = gzread((gzFile)cookie, buffer, size > (1u << 30) ? (1u << 30) : (unsigned)size);
    if (n >= 0) return n;
    errno = EIO;  // a damaged stream: libpcap reports the file as cut short where it stopped
    return -1;
}

static int gz_close(void *cookie) {
    return gzclose_r((gzFile)cookie) == Z_OK ? 0 : EOF;
}

// Anything else: the two bytes read to tell, then the descriptor as it comes (short reads from a pipe are fine).
typedef struct {
    int fd;
    unsigned char peeked[2];
    size_t npeeked;
} plain_file;

static ssize_t plain_read(void *cookie, char *buffer, size_t size) {
    plain_file *p = cookie;
    if (p->npeeked > 0 && size > 0) {
        size_t n = p->npeeked < size ? p->npeeked : size;
        memcpy(buffer, p->peeked, n);
        memmove(p->peeked, p->peeked + n, p->npeeked - n);
        p->npeeked -= n;
        return (ssize_t)n;
    }
    ssize_t n;
    do { n = read(p->fd, buffer, size); } while (n < 0 && errno == EINTR);
    return n;
}

static int plain_close(void *cookie) {
    plain_file *p = cookie;
    int result = close(p->fd);
    free(p);
    return result;
}

FILE *CGzipFile_open(const char *path, int *compressed) {
    *compressed = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    unsigned char magic[2];
    size_t got = 0;
    while (got < 2) {
        ssize_t n = read(fd, magic + got, 2 - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
    }
    if (got == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {  // RFC 1952 §2.3.1
        *compressed = 1;
        if (lseek(fd, 0, SEEK_SET) != 0) {  // a pipe: zlib cannot be given back the two bytes read
            close(fd);
            errno = ESPIPE;
            return NULL;
        }
        gzFile file = gzdopen(fd, "rb");
        if (file == NULL) { close(fd); return NULL; }
        gzbuffer(file, 1 << 17);
        cookie_io_functions_t io = { .read = gz_read, .write = NULL, .seek = NULL, .close = gz_close };
        FILE *stream = fopencookie(file, "r", io);
        if (stream == NULL) gzclose_r(file);
        return stream;
    }
    plain_file *p = malloc(sizeof *p);
    if (p == NULL) { close(fd); errno = ENOMEM; return NULL; }
    p->fd = fd;
    memcpy(p->peeked, magic, got);
    p->npeeked = got;
    cookie_io_functions_t io = { .read = plain_read, .write = NULL, .seek = NULL, .close = plain_close };
    FILE *stream = fopencookie(p, "r", io);
    if (stream == NULL) plain_close(p);
    else setvbuf(stream, NULL, _IOFBF, 1 << 18);  // large reads from a file; a pipe's short reads still come at once
    return stream;
}
