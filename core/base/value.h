/* value — reference-counted dynamic values with Go's data model (nil, bool, int, float,
 * string, list, map, native object), shared by templates, YAML/JSON, values, validation and diff.
 *
 * Ownership: functions that return `struct value *` return a new reference unless the contract
 * says "borrowed". value_ref() adds a reference, value_unref() drops one. Maps are Go maps: a
 * reference type, mutated in place (Sprig's set/unset/merge rely on it). Lists are mutable only
 * while the caller holds the sole reference (refs == 1); otherwise copy first.
 * Map entries are kept sorted by key (bytewise), which is Go's order for range, toYaml and toJson.
 */
#ifndef TOPS_VALUE_H
#define TOPS_VALUE_H

#include "core/base/util.h"

enum vtype { V_NULL, V_BOOL, V_INT, V_FLOAT, V_STRING, V_LIST, V_MAP, V_OBJECT };

/* Go type details that only typeOf/kindOf/printf and error messages care about. */
enum vsub {
	VS_NONE = 0,
	VS_INT64,      /* V_INT: Go int64 rather than int */
	VS_UINT,       /* V_INT: Go uint-like (printed unsigned) */
	VS_STRINGS,    /* V_LIST: Go []string */
	VS_BYTES,      /* V_STRING: Go []byte */
	VS_MAPSTR,     /* V_MAP: Go map[string]string */
};

struct value;
struct vmap_entry {
	char *key;
	struct value *val;
};

/* A native object (for example .Files or .Capabilities): fields and methods by name. */
/* A native object that behaves like a map for range, len and index answers the call
 * VALUE_MAP_VIEW (no arguments) with a plain V_MAP (Helm's .Files and Files.Glob results). */
#define VALUE_MAP_VIEW "<map>"

struct value_object_ops {
	const char *type_name; /* as Go's %T would print it, e.g. "chart.Files" */
	/* Field or method `name` called with args (nargs 0 for a plain field). Returns 0 and a
	 * new reference in *out, -TOPS_ENOENT when there is no such field/method (err untouched),
	 * or another negative code with err set. */
	int (*call)(struct value *self, const char *name, struct value **args, int nargs,
		    struct value **out, struct tops_err *err);
	void (*free)(void *data);
};

struct value {
	unsigned char type;  /* enum vtype */
	unsigned char sub;   /* enum vsub */
	int refs;
	int line, col;       /* source position when loaded from YAML (0 = unknown) */
	union {
		bool b;
		int64_t i;
		double f;
		struct { char *s; size_t len; } str;               /* always NUL-terminated */
		struct { struct value **items; size_t len, cap; } list;
		struct { struct vmap_entry *e; size_t len, cap; } map;
		struct { const struct value_object_ops *ops; void *data; } obj;
	} u;
};

struct value *value_ref(struct value *v);     /* NULL-safe; returns v */
void value_unref(struct value *v);            /* NULL-safe */

/* Constructors; each returns a new reference. value_null() is a shared singleton. */
struct value *value_null(void);
struct value *value_bool(bool b);
struct value *value_int(int64_t i);
struct value *value_float(double f);
struct value *value_str(const char *s);                  /* copies */
struct value *value_strn(const char *s, size_t n);       /* copies; may contain NULs */
struct value *value_str_own(char *s, size_t n);          /* takes ownership of s (xmalloc'd, NUL at n) */
struct value *value_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
struct value *value_list(void);
struct value *value_map(void);
struct value *value_object(const struct value_object_ops *ops, void *data);

/* Lists. value_list_push takes ownership of item. Borrowed results. */
void value_list_push(struct value *list, struct value *item);
struct value *value_list_get(const struct value *list, size_t i);   /* borrowed or NULL */

/* Maps. value_map_set takes ownership of val (replacing and dropping any old one). */
void value_map_set(struct value *map, const char *key, struct value *val);
struct value *value_map_get(const struct value *map, const char *key);  /* borrowed or NULL */
struct value *value_map_getn(const struct value *map, const char *key, size_t keylen);
bool value_map_del(struct value *map, const char *key);
/* Follows "a.b.c" through nested maps; borrowed or NULL. */
struct value *value_map_path(const struct value *map, const char *dotted);

/* For a V_OBJECT with a map view: a new reference to that map; otherwise NULL. */
struct value *value_map_view(struct value *v);

/* Deep copy (objects are shared, not copied). New reference. */
struct value *value_copy(const struct value *v);
/* Deep equality with Go's reflect.DeepEqual semantics on this data model (int 1 != float 1). */
bool value_equal(const struct value *a, const struct value *b);
/* JSON equality: like value_equal, but numbers compare by value (int 1 == float 1.0), as JSON
 * Schema's enum/const and Helm's YAML round trips see them. */
bool value_equal_json(const struct value *a, const struct value *b);
/* Go's template truthiness: false, 0, "", nil, empty list/map are false. */
bool value_truthy(const struct value *v);
/* Go type name as %T prints it: "int", "int64", "float64", "string", "bool",
 * "[]interface {}", "map[string]interface {}", "<nil>", ... */
const char *value_type_name(const struct value *v);
/* Go kind name as reflect.Kind prints it: "int", "string", "slice", "map", "invalid", ... */
const char *value_kind_name(const struct value *v);

/* JSON in and out (cJSON underneath). JSON integers that fit int64 become V_INT.
 * value_from_json: NULL on error with err set (message has line:col). New reference. */
struct value *value_from_json(const char *text, size_t len, struct tops_err *err);
/* Compact JSON with sorted keys, Go's encoding/json escaping (<, >, & as \u003c ...) when
 * html_escape is true. Caller frees. */
char *value_to_json(const struct value *v, bool pretty, bool html_escape);

/* JSON leaves as Go's encoding/json writes them: a quoted string (with \u003c & co. when
 * html_escape, and \u2028/\u2029 always) and a float64 ("0.1", "1e+21"). */
void value_json_string(struct strbuf *sb, const char *s, size_t n, bool html_escape);
void value_json_float(struct strbuf *sb, double f);

/* Formats a float the way Go's strconv.FormatFloat(f, 'g', -1, 64) does ("1e+06", "0.5"). */
void value_fmt_float_g(struct strbuf *sb, double f);

#endif
