/* strvals — Helm's --set family syntax (pkg/strvals): "a.b=c,list[0]=x,e={1,2}".
 *
 * Each kind mirrors one Helm entry point and its typing:
 *   STRVALS_SET      --set          true/false/null and plain integers are typed, the rest strings
 *   STRVALS_STRING   --set-string   every value is a string
 *   STRVALS_JSON     --set-json     each value is a JSON document (numbers become floats)
 *   STRVALS_LITERAL  --set-literal  everything after the first '=' is the string value
 *   STRVALS_FILE     --set-file     each value names a file whose content becomes the string
 * Keys nest with '.', lists with [N] (N <= 65536), '\' escapes in all kinds but literal, and at
 * most 30 levels of '.' nesting (Helm's message when exceeded).
 */
#ifndef TOPS_STRVALS_H
#define TOPS_STRVALS_H

#include "core/base/value.h"

enum strvals_kind { STRVALS_SET, STRVALS_STRING, STRVALS_JSON, STRVALS_LITERAL, STRVALS_FILE };

/* Reads the file named by a --set-file value. Stores a new reference (a string) in *out. */
typedef int (*strvals_reader)(void *ctx, const char *path, struct value **out,
			      struct tops_err *err);

/* Parses s and applies it to dest (a V_MAP) in place, as Helm's Parse*Into functions do.
 * reader is used by STRVALS_FILE only (NULL: read the file from disk, up to 64 MiB).
 * Returns 0, or a negative code with err set to Helm's wording (dest may be partly updated). */
int strvals_parse_into(enum strvals_kind kind, const char *s, struct value *dest,
		       strvals_reader reader, void *ctx, struct tops_err *err);

#endif
