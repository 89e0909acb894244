/* yamlout — an object's JSON (cJSON) as YAML lines for the YAML view, Secret data masked;
 * written with core/yaml_emit, as `tops get -o yaml` and kubectl do. */
#include "tui/objview.h"

#include "core/base/yaml_emit.h"

#include <stdlib.h>
#include <string.h>

/* managedFields are noise (kubectl hides them too); a Secret's last-applied annotation would
 * repeat its data in clear. */
static cJSON *tidy_copy(const cJSON *obj, bool secret)
{
	cJSON *o = cJSON_Duplicate(obj, true);
	cJSON *meta = cJSON_GetObjectItemCaseSensitive(o, "metadata");
	cJSON_DeleteItemFromObjectCaseSensitive(meta, "managedFields");
	cJSON *ann = cJSON_GetObjectItemCaseSensitive(meta, "annotations");
	if (secret && cJSON_GetObjectItemCaseSensitive(ann, "kubectl.kubernetes.io/last-applied-configuration"))
		cJSON_ReplaceItemInObjectCaseSensitive(ann, "kubectl.kubernetes.io/last-applied-configuration",
						       cJSON_CreateString("*****"));
	return o;
}

/* A Secret's data and stringData values become "*****" (keys stay). */
static void mask_secret(cJSON *o)
{
	static const char *const fields[] = {"data", "stringData"};
	for (size_t i = 0; i < ARRAY_LEN(fields); i++) {
		cJSON *m = cJSON_GetObjectItemCaseSensitive(o, fields[i]);
		for (cJSON *c = cJSON_IsObject(m) ? m->child : NULL, *next; c; c = next) {
			next = c->next; /* c is freed by the replacement */
			cJSON_ReplaceItemInObjectCaseSensitive(m, c->string, cJSON_CreateString("*****"));
		}
	}
}

void yamlout_emit(struct textview *tv, const cJSON *obj)
{
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(obj, "kind");
	bool secret = cJSON_IsString(kind) && strcmp(kind->valuestring, "Secret") == 0;
	cJSON *o = tidy_copy(obj, secret);
	if (secret)
		mask_secret(o);
	char *json = cJSON_PrintUnformatted(o);
	struct tops_err err = {0};
	struct value *v = json ? value_from_json(json, strlen(json), &err) : NULL;
	char *y = v ? yaml_emit(v, NULL) : NULL;
	if (!y)
		tv_addf(tv, ROLE_ERROR, "cannot show the object as YAML: %s", err.code ? tops_err_msg(&err) : "out of memory");
	for (const char *s = y; s && *s;) {
		size_t n = strcspn(s, "\n");
		tv_add(tv, ROLE_NORMAL, s, n);
		s += n + (s[n] == '\n');
	}
	free(y);
	value_unref(v);
	tops_err_clear(&err);
	cJSON_free(json);
	cJSON_Delete(o);
}
