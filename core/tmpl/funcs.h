/* funcs — the chart function set: Sprig v3.3 (minus env/expandenv) and Helm's engine functions,
 * registered into a tmpl_funcs registry (core/tmpl.h).
 *
 * Every function follows the tmpl_fn contract: arguments are borrowed, the result is a new
 * reference, errors carry the bare message (the executor adds Go's "error calling FN: " prefix).
 * Argument conversions and their error texts follow Go's reflect rules (core/funcs_util.h).
 */
#ifndef TOPS_FUNCS_H
#define TOPS_FUNCS_H

#include "core/tmpl/tmpl.h"

/* Adds every Sprig function Helm keeps (strings, lists, dicts, maths, defaults, encoding, crypto,
 * semver, regex, reflection, dates, random). The registry keeps pointers to static tables. */
void funcs_register_sprig(struct tmpl_funcs *f);

/* Adds Helm's functions (include, tpl, required, toYaml, toYamlPretty, fromYaml, fromYamlArray,
 * toToml, fromToml, toJson, fromJson, fromJsonArray, lookup, getHostByName). They replace Sprig's
 * versions of the same names, as Helm's funcMap does. */
void funcs_register_helm(struct tmpl_funcs *f);

/* Helm-engine hooks. An embedder (the chart renderer) that wants them sets the template set's
 * user pointer (tmpl_set_user) to a struct whose FIRST member is a struct funcs_helm_hooks; a NULL
 * user pointer means "all defaults" (offline lookup, no strict mode). Borrowed by the functions. */
struct funcs_helm_hooks {
	/* lookup apiVersion kind namespace name: a new reference in *out (a map; for an empty name
	 * a list object). NULL: lookup returns an empty map, like `helm template`. */
	int (*lookup)(void *ctx, const char *api_version, const char *kind, const char *ns,
		      const char *name, struct value **out, struct tops_err *err);
	void *lookup_ctx;
	/* Keep "<no value>" in tpl output (Go plain mode); false: removed as Helm does. */
	bool keep_no_value;
};

#endif
