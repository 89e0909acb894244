/* obj — reading and writing fields of API objects held as struct value, by dotted path. */
#ifndef TOPS_OBJ_H
#define TOPS_OBJ_H

#include "core/base/value.h"

/* The string at a dotted path ("metadata.name"), or NULL when absent or not a string. Borrowed. */
const char *obj_str(const struct value *obj, const char *path);
/* The integer at a dotted path, or dflt. */
int64_t obj_int(const struct value *obj, const char *path, int64_t dflt);
/* The map at a dotted path, created (with the maps above it) when absent. Borrowed. */
struct value *obj_map(struct value *obj, const char *path);
/* Sets a string at a dotted path; the last component is taken whole (so a key such as
 * "meta.helm.sh/release-name" is set with obj_set_str_in(obj, "metadata.annotations", key, s)). */
void obj_set_str_in(struct value *obj, const char *map_path, const char *key, const char *s);
/* "Kind/name" or "kind/name" as kubectl names objects (lower_kind: "deployment/x"). Caller frees. */
char *obj_ref(const struct value *obj, bool lower_kind);
/* Go's time.Time as Kubernetes MicroTime writes it: "2006-01-02T15:04:05.000000Z" (UTC), from
 * wall-clock milliseconds. Caller frees. */
char *obj_microtime(int64_t ms);

/* Wall milliseconds of an RFC 3339 time with any fraction ("...05.123456Z"); 0 when absent. */
int64_t obj_time_ms(const char *s);

#endif
