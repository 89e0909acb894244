/* jdom — a read-only JSON document parsed in one pass into an arena.
 *
 * Made for the hot path of list pages and watch events: the whole document lives in a few large
 * blocks (nodes, and strings unescaped in place in a private copy of the text), so parsing costs
 * a fraction of a tree of individually allocated nodes, and freeing is a handful of free() calls.
 * The document is immutable; every pointer into it is valid until jdom_free().
 *
 * Strict RFC 8259 JSON: one value, optional surrounding whitespace; no comments, trailing
 * commas, NaN, or raw control characters in strings. Invalid \u surrogates become U+FFFD (as Go's
 * encoding/json does). Nesting deeper than JDOM_MAX_DEPTH is refused. Duplicate object keys are
 * kept; jd_get finds the first.
 */
#ifndef TOPS_JDOM_H
#define TOPS_JDOM_H

#include "core/base/util.h"

#include <cjson/cJSON.h>

#define JDOM_MAX_DEPTH 512

enum jd_type { JD_NULL, JD_FALSE, JD_TRUE, JD_NUMBER, JD_STRING, JD_ARRAY, JD_OBJECT };

struct jd {
	const char *key;        /* member name inside an object; NULL elsewhere */
	const struct jd *next;  /* next element or member; NULL at the end */
	union {
		const char *s;      /* JD_STRING: NUL-terminated (may hold NULs: see len) */
		double num;         /* JD_NUMBER */
		const struct jd *child;  /* JD_ARRAY, JD_OBJECT: first element or member */
	} u;
	uint32_t len;           /* JD_STRING: bytes; JD_ARRAY/JD_OBJECT: number of children */
	uint8_t type;           /* enum jd_type */
};

struct jdom;

/* Parses len bytes of text (need not be NUL-terminated; the text is copied). Returns the
 * document, or NULL with err set to "line L, column C: what" for malformed input. Caller frees
 * with jdom_free(). */
struct jdom *jdom_parse(const char *text, size_t len, struct tops_err *err);
/* Like jdom_parse, but takes ownership of buf (malloc'd, at least len + 1 bytes), which is
 * parsed in place and freed by jdom_free() (also on failure). Saves the copy. */
struct jdom *jdom_parse_owned(char *buf, size_t len, struct tops_err *err);
void jdom_free(struct jdom *d);
/* The top-level value (never NULL for a parsed document). */
const struct jd *jdom_root(const struct jdom *d);

/* Accessors: each accepts NULL and wrong types, answering NULL / the default. */
const struct jd *jd_get(const struct jd *obj, const char *key);   /* member of an object */
const struct jd *jd_at(const struct jd *arr, uint32_t i);         /* i-th element */
const char *jd_str(const struct jd *obj, const char *key);        /* string member, or NULL */
int64_t jd_int(const struct jd *obj, const char *key, int64_t dflt);  /* number member */
bool jd_true(const struct jd *obj, const char *key);              /* member is `true` */
uint32_t jd_count(const struct jd *v);                            /* children of array/object */
static inline bool jd_is(const struct jd *v, enum jd_type t) { return v && v->type == t; }

/* Iterates the elements of an array or the members of an object (none for anything else). */
#define JD_FOREACH(it, v) \
	for (const struct jd *it = ((v) && (v)->type >= JD_ARRAY) ? (v)->u.child : NULL; it; it = it->next)

/* A cJSON copy of a value (for code that edits or prints trees). Caller frees with cJSON_Delete. */
cJSON *jd_to_cjson(const struct jd *v);

#endif
