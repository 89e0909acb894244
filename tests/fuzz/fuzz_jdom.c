/* libFuzzer target: core/jdom on arbitrary bytes. Differential against cJSON: whatever jdom
 * accepts (without \u escapes, which the two map differently when invalid), cJSON accepts too,
 * and both trees print the same. Every accepted document is also projected into a store record
 * of every kind (objects of any shape must project or be refused, never crash). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/jdom.h"
#include "core/kube/store.h"

static bool has_u_escape(const uint8_t *d, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++)
		if (d[i] == '\\' && d[i + 1] == 'u')
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tops_err err = {0};
	struct jdom *d = jdom_parse((const char *)data, size, &err);
	if (!d) {
		if (!err.msg || !strstr(err.msg, "line "))
			abort();   /* every refusal says where */
		tops_err_clear(&err);
		return 0;
	}
	const struct jd *root = jdom_root(d);
	(void)jd_int(root, "a", 0);
	(void)jd_at(root, 3);
	static const enum kube_kind kinds[] = {KK_POD, KK_PVC, KK_DEPLOYMENT, KK_REPLICASET,
					       KK_STATEFULSET, KK_SERVICE, KK_EVENT};
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		store_record_free(kinds[i], store_project(kinds[i], root, NULL));
	if (!has_u_escape(data, size) && !memchr(data, '\0', size)) {
		cJSON *ref = cJSON_ParseWithLength((const char *)data, size);
		if (!ref)
			abort();
		cJSON *mine = jd_to_cjson(root);
		char *a = cJSON_PrintUnformatted(ref), *b = cJSON_PrintUnformatted(mine);
		if ((a && b && strcmp(a, b) != 0) || !a != !b)
			abort();
		free(a);
		free(b);
		cJSON_Delete(ref);
		cJSON_Delete(mine);
	}
	jdom_free(d);
	return 0;
}
