#ifndef CGZIPFILE_H
#define CGZIPFILE_H
#include <stdio.h>

/// Opens a gzip-compressed file for reading as a stdio stream of its uncompressed bytes (zlib's gzread behind
/// glibc's fopencookie), for libpcap's pcap_fopen_offline. NULL with errno set when the file cannot be opened.
/// A file that is not compressed reads as it is. fclose ends it.
FILE *CGzipFile_open(const char *path);

#endif
