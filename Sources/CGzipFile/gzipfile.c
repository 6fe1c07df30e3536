#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <zlib.h>
#include "CGzipFile.h"

static ssize_t gz_read(void *cookie, char *buffer, size_t size) {
    int n = gzread((gzFile)cookie, buffer, size > (1u << 30) ? (1u << 30) : (unsigned)size);
    if (n >= 0) return n;
    errno = EIO;  // a damaged stream: libpcap reports the file as cut short where it stopped
    return -1;
}

static int gz_close(void *cookie) {
    return gzclose_r((gzFile)cookie) == Z_OK ? 0 : EOF;
}

FILE *CGzipFile_open(const char *path) {
    gzFile file = gzopen(path, "rb");
    if (file == NULL) return NULL;
    gzbuffer(file, 1 << 17);
    cookie_io_functions_t io = { .read = gz_read, .write = NULL, .seek = NULL, .close = gz_close };
    FILE *stream = fopencookie(file, "r", io);
    if (stream == NULL) gzclose_r(file);
    return stream;
}
