/* table — server-side printing: meta.k8s.io/v1 Table answers with kubectl's columns. */
#ifndef KUBESIM_TABLE_H
#define KUBESIM_TABLE_H

#include "core/base/util.h"
#include "core/base/value.h"

/* True when the Accept header asks for as=Table. */
bool table_requested(const char *accept);
/* An empty Table for kind with its column definitions; new reference. */
struct value *table_new(int kind);
/* Appends the row for obj (borrowed). */
void table_add_row(struct value *table, int kind, const struct value *obj);
/* Writes the Table row of the object whose compact JSON text is json (as table_add_row would
 * serialise it) to sb, taking the metadata text from json without reparsing it. */
void table_write_row(struct strbuf *sb, int kind, const char *json, size_t len);
/* The row cells of obj (whose compact JSON text is json) as JSON text with each age left as
 * a slot, for table_write_obj(); caller frees. NULL when the text could be mistaken for one. */
char *table_cells(int kind, const struct value *obj, const char *json, size_t len);
struct obj;
/* Writes the row of a stored object from its cells (o->cells, ages filled in now) and its
 * metadata text: no parsing. Falls back to table_write_row() when o->cells is NULL. */
void table_write_obj(struct strbuf *sb, const struct obj *o);
/* Human age ("5m", "3h12m") of an RFC 3339 timestamp relative to the wall clock; caller frees. */
char *table_age(const char *ts);

#endif
