#include "CSIPResolver.h"

#include <string.h>
#include <netinet/in.h>
#include <arpa/nameser.h>
#include <resolv.h>

int sipflow_res_query(const char *name, int query_class, int query_type, unsigned char *answer, int answer_length) {
    struct __res_state state;
    memset(&state, 0, sizeof state);
    if (res_ninit(&state) != 0) {
        return -1;
    }
    int length = res_nquery(&state, name, query_class, query_type, answer, answer_length);
    res_nclose(&state);
    return length;
}
