/* funcs_util — shared pieces of the chart function set: Go's fmt %v printing, Sprig's strval and
 * cast conversions, Go reflect-style argument checks with Go's error texts, and the per-module
 * registration hooks. Internal to core/funcs_*.c (and their unit tests).
 */
#ifndef TOPS_FUNCS_UTIL_H
#define TOPS_FUNCS_UTIL_H

#include "core/tmpl/funcs.h"

/* Appends v as Go's fmt.Sprint does: <nil>, [a b], map[k:v], floats as %v, objects through their
 * String method when they have one. */
void fu_fmt(struct strbuf *sb, const struct value *v);
/* Sprig's strval: strings (and []byte) as they are, everything else as fmt %v. Caller frees. */
char *fu_strval(const struct value *v, size_t *len);
/* Appends strconv.Quote(s). */
void fu_quote(struct strbuf *sb, const char *s, size_t n);

/* cast.ToInt64 / cast.ToFloat64 semantics (strings parsed, bools 0/1, failures give 0). */
int64_t fu_to_int64(const struct value *v);
double fu_to_float64(const struct value *v);
/* Sprig's empty(): nil, false, 0, "", empty list/map. */
bool fu_empty(const struct value *v);
/* Go's reflect.Kind name for error texts ("string", "slice", "map", "ptr" for nil...). */
const char *fu_kind(const struct value *v);

/* Typed parameters as Go's text/template converts them; on mismatch err gets Go's text
 * ("wrong type for value; expected int; got string", "invalid value; expected int"). The
 * string/map/list results are borrowed from args. */
int fu_arg_str(struct value **args, int i, const char **s, size_t *n, struct tops_err *err);
int fu_arg_int(struct value **args, int i, int64_t *out, struct tops_err *err);
int fu_arg_float(struct value **args, int i, double *out, struct tops_err *err);
int fu_arg_bool(struct value **args, int i, bool *out, struct tops_err *err);
int fu_arg_map(struct value **args, int i, struct value **out, struct tops_err *err);
int fu_arg_list(struct value **args, int i, struct value **out, struct tops_err *err);

/* A new Go []string list (sub VS_STRINGS); fu_strlist_add copies n bytes of s. */
struct value *fu_strlist_new(void);
void fu_strlist_add(struct value *list, const char *s, size_t n);
/* Sprig's strslice: a list's non-nil items as strings, a scalar as one string, nil as none. */
struct value *fu_strslice(const struct value *v);

/* Appends standard padded base64 of n bytes. */

/* Decodes a standard base64 string value into a new string (bytes) in *out; Go's error text. */
int funcs_b64dec_raw(const struct value *v, struct value **out, struct tops_err *err);

/* Appends Go's time.Duration.String() of d nanoseconds ("1h0m0s", "1.5s", "300ms"). */
void fu_fmt_duration(struct strbuf *sb, int64_t d);

/* Fails with "WHAT: value contains itself or is nested too deeply" for cyclic values (a map set
 * into itself) and nesting deeper than 1024, which the serialisers cannot handle. */
int fu_check_acyclic(const struct value *v, const char *what, struct tops_err *err);
/* fu_check_acyclic plus Go's encoding/json refusal of NaN and infinities
 * ("json: unsupported value: NaN"). */
int fu_check_json(const struct value *v, struct tops_err *err);

/* Go's encoding/json syntax error for text ("invalid character 'x' looking for beginning of
 * value", "unexpected end of JSON input"), or NULL when it is valid JSON. Caller frees. */
char *fu_json_error(const char *s, size_t n);

/* Turns every integer in v (fresh and owned, as parsed from JSON) into a float, as Go's
 * encoding/json decodes numbers into float64. */
void fu_json_floats(struct value *v);
/* Sprig's and Helm's toJson: a new string of json.Marshal(v) (pretty: MarshalIndent; html:
 * <, >, & escaped), or "" when Go would refuse the value (cycles, NaN, infinities). */
struct value *fu_to_json(const struct value *v, bool pretty, bool html);
/* The must- form: fails with Go's words ("json: unsupported value: NaN") where fu_to_json
 * gives "". */
int fu_must_to_json(const struct value *v, bool pretty, bool html, struct value **out,
		    struct tops_err *err);
/* Go's json.Unmarshal into interface{}: the value of JSON text s with numbers as floats (new
 * reference), or NULL and, when msg is not NULL, Go's error text in *msg (caller frees). */
struct value *fu_json_decode(const char *s, size_t n, char **msg);

/* Per-file registration (called by funcs_register_sprig / funcs_register_helm). */
void funcs_strings_register(struct tmpl_funcs *f);
void funcs_lists_register(struct tmpl_funcs *f);
void funcs_dicts_register(struct tmpl_funcs *f);
void funcs_math_register(struct tmpl_funcs *f);
void funcs_defaults_register(struct tmpl_funcs *f);
void funcs_encoding_register(struct tmpl_funcs *f);
void funcs_crypto_register(struct tmpl_funcs *f);
void funcs_passwd_register(struct tmpl_funcs *f);
void funcs_semver_register(struct tmpl_funcs *f);
void funcs_regex_register(struct tmpl_funcs *f);
void funcs_reflect_register(struct tmpl_funcs *f);
void funcs_date_register(struct tmpl_funcs *f);
void funcs_helm_register(struct tmpl_funcs *f);


/* Propagates a negative return code. */
#define FU_TRY(x) do { int rc_ = (x); if (rc_ < 0) return rc_; } while (0)

/* Stores the buffer's contents as a new string in *out (sb is left empty); returns 0. */
int fu_ret_sb(struct strbuf *sb, struct value **out);
/* Stores a new copy of s[0..n) in *out; returns 0. */
int fu_ret_str(const char *s, size_t n, struct value **out);

#define FU_REGISTER(fn, table) \
	void fn(struct tmpl_funcs *f) { tmpl_funcs_add(f, table, ARRAY_LEN(table)); }

#endif
