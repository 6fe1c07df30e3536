#ifndef CGZIPFILE_H
#define CGZIPFILE_H
#include <stdio.h>

/// Opens a file for reading as a stdio stream of its bytes, uncompressed when it starts like a gzip stream (zlib's
/// gzread behind glibc's fopencookie), for libpcap's pcap_fopen_offline. The file is opened once and read from its
/// start, so a FIFO or /dev/stdin works too (but for gzip, which needs a file it can seek back in: ESPIPE).
/// `compressed` is set to 1 for a gzip stream, 0 otherwise. NULL with errno set when the file cannot be opened.
/// fclose ends it.
FILE *CGzipFile_open(const char *path, int *compressed);

#endif
