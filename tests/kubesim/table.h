/* table — server-side printing: meta.k8s.io/v1 Table answers with kubectl's columns. */
#ifndef KUBESIM_TABLE_H
#define KUBESIM_TABLE_H

#include "core/value.h"

/* True when the Accept header asks for as=Table. */
bool table_requested(const char *accept);
/* An empty Table for kind with its column definitions; new reference. */
struct value *table_new(int kind);
/* Appends the row for obj (borrowed). */
void table_add_row(struct value *table, int kind, const struct value *obj);
/* Human age ("5m", "3h12m") of an RFC 3339 timestamp relative to the wall clock; caller frees. */
char *table_age(const char *ts);

#endif
