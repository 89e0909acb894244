#include "core/release/obj.h"

#include "core/base/timefmt.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *obj_str(const struct value *obj, const char *path)
{
	const struct value *v = value_map_path(obj, path);
	return v && v->type == V_STRING ? v->u.str.s : NULL;
}

int64_t obj_int(const struct value *obj, const char *path, int64_t dflt)
{
	const struct value *v = value_map_path(obj, path);
	if (v && v->type == V_INT)
		return v->u.i;
	if (v && v->type == V_FLOAT)
		return (int64_t)v->u.f;
	return dflt;
}

struct value *obj_map(struct value *obj, const char *path)
{
	char *copy = xstrdup(path), *save = NULL;
	struct value *cur = obj;
	for (char *p = strtok_r(copy, ".", &save); p; p = strtok_r(NULL, ".", &save)) {
		struct value *next = value_map_get(cur, p);
		if (!next || next->type != V_MAP) {
			next = value_map();
			value_map_set(cur, p, next);
		}
		cur = next;
	}
	free(copy);
	return cur;
}

void obj_set_str_in(struct value *obj, const char *map_path, const char *key, const char *s)
{
	value_map_set(obj_map(obj, map_path), key, value_str(s));
}

char *obj_ref(const struct value *obj, bool lower_kind)
{
	const char *kind = obj_str(obj, "kind"), *name = obj_str(obj, "metadata.name");
	char *k = xstrdup(kind ? kind : "?");
	for (char *p = k; lower_kind && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	char *out = xasprintf("%s/%s", k, name ? name : "?");
	free(k);
	return out;
}

char *obj_microtime(int64_t ms)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&s, &tm);
	char buf[40];
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
	return xasprintf("%s.%06ldZ", buf, (long)(ms % 1000) * 1000);
}

int64_t obj_time_ms(const char *s)
{
	if (!s || !*s)
		return 0;
	int64_t ms = time_parse_rfc3339(s) * 1000;
	const char *d = strchr(s, '.');
	int scale = 100;
	for (d = d ? d + 1 : NULL; d && *d >= '0' && *d <= '9' && scale; d++, scale /= 10)
		ms += (*d - '0') * scale;
	return ms;
}
