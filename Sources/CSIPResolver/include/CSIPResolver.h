#ifndef CSIPRESOLVER_H
#define CSIPRESOLVER_H

/// Sends one DNS query through the system resolver (res_nquery, with a resolver state of its own, so calls from
/// several threads do not share one) and writes the answer into `answer`. Returns the answer's length, or -1 when
/// the query failed (no such name, no records of that type, no server).
int sipflow_res_query(const char *name, int query_class, int query_type, unsigned char *answer, int answer_length);

#endif
