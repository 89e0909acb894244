/* yaml_emit — a YAML writer that reproduces Helm's toYaml byte for byte: sigs.k8s.io/yaml.Marshal
 * (the value goes through JSON, so integral floats print as integers) over go-yaml v2's emitter
 * (keys in go-yaml's natural order, 2-space indent, sequences not indented under their key,
 * strings quoted when they would resolve to another type, `|`/`|-`/`|+` literals for multi-line
 * strings, plain and quoted scalars folded past column 80, `{}`/`[]` for empty collections).
 */
#ifndef TOPS_YAML_EMIT_H
#define TOPS_YAML_EMIT_H

#include "core/base/value.h"

struct yaml_emit_opts {
	bool indent_sequences;   /* yaml.v3-style "key:\n  - a" (Helm's toYamlPretty) */
	bool no_fold;            /* never fold long scalars (yaml.v3 style) */
	bool keep_floats;        /* no JSON round trip: integral floats stay floats ("1" vs 1) */
};

/* Returns the document text ending in "\n" (caller frees). opts NULL: Helm's toYaml. */
char *yaml_emit(const struct value *v, const struct yaml_emit_opts *opts);

/* go-yaml v2's map key order (letters after other characters, digit runs compared as numbers). */
int yaml_key_cmp(const char *a, const char *b);

/* True when s, written plain, would read back as something other than a string (null, bool,
 * number, timestamp, base-60 float, merge key). */
bool yaml_str_needs_quotes(const char *s, size_t n);

#endif
