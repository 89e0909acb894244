/* body — JSON request bodies checked against a field table before a handler sees them:
 * malformed JSON is refused with its line and column, an unknown field is refused by name,
 * a field of the wrong type is refused saying which type it takes. Pure (no loop), fuzzed.
 */
#ifndef TOPS_SERVE_BODY_H
#define TOPS_SERVE_BODY_H

#include "core/base/value.h"

enum body_type { BT_STRING, BT_BOOL, BT_OBJECT, BT_STRINGS, BT_INT };

struct body_field {
	const char *name;
	enum body_type type;
};

/* Parses len bytes as one JSON object whose members are all in fields (n of them). Returns the
 * object (new reference) or NULL with err: "malformed JSON: line L, column C: ...",
 * "unknown field(s): a, b (known: ...)", "field \"x\" must be a string". An empty body is {}. */
struct value *body_parse(const char *text, size_t len, const struct body_field *fields, size_t n,
			 struct tops_err *err);
/* Typed reads of a parsed body; absent members give the default. Borrowed. */
const char *body_str(const struct value *b, const char *key);
bool body_bool(const struct value *b, const char *key);

#endif
