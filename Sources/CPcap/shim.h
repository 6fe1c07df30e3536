// libpcap (Debian: libpcap-dev), for writing and reading capture files and for live capture.
#include <pcap/pcap.h>
