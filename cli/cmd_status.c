/* tops status NAME — helm's block for the newest revision (or --revision N), with the lease's
 * holder when an operation is running and, with --show-resources, the release's objects;
 * -o json|yaml gives the record with helm's field names. */
#include "cli/commands.h"
#include "cli/release_cli.h"

#include "core/release/obj.h"
#include "core/release/rest.h"
#include "core/base/yaml.h"
#include "core/chart/manifest_sort.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* "upgrade by alice@bastion:42" when a tops operation holds the release. */
static void print_holder(struct kube_client *kc, const char *ns, const char *name)
{
	char *path = xasprintf("/apis/coordination.k8s.io/v1/namespaces/%s/leases/tops-release-%s", ns, name);
	struct value *l = NULL;
	struct tops_err err = {0};
	if (rest_call(kc, "GET", path, NULL, NULL, NULL, &l, &err) == 0) {
		const char *h = obj_str(l, "spec.holderIdentity");
		const struct value *op = value_map_get(value_map_path(l, "metadata.annotations"), "tops/operation");
		int64_t renewed = obj_time_ms(obj_str(l, "spec.renewTime"));
		int64_t dur_ms = obj_int(l, "spec.leaseDurationSeconds", 30) * 1000;
		bool gone = (int64_t)time(NULL) * 1000 - renewed > dur_ms;
		if (h && *h)
			printf("OPERATION: %s by %s%s\n", op && op->type == V_STRING ? op->u.str.s : "operation", h,
			       gone ? " (no heartbeat: the holder is gone; the next operation takes over)" : "");
	}
	value_unref(l);
	tops_err_clear(&err);
	free(path);
}

static void print_resources(const struct release *r)
{
	char **docs = NULL;
	size_t n = 0;
	manifest_split(r->manifest ? r->manifest : "", r->manifest ? strlen(r->manifest) : 0, &docs, &n);
	printf("RESOURCES:\n");
	for (size_t i = 0; i < n; i++) {
		struct value *v = yaml_load(docs[i], strlen(docs[i]), "manifest", NULL, NULL, NULL);
		if (v && v->type == V_MAP) {
			char *ref = obj_ref(v, false);
			printf("  %s\n", ref);
			free(ref);
		}
		value_unref(v);
		free(docs[i]);
	}
	free(docs);
}

int cmd_status(int argc, char **argv)
{
	struct rel_args a;
	if (rel_parse(RC_STATUS, argc, argv, &a) < 0 || (!a.help && a.npos != 1)) {
		if (a.npos != 1)
			fprintf(stderr, "tops: \"tops status\" requires 1 argument\n");
		return rel_args_done(&a), 2;
	}
	if (a.help)
		return rel_usage(RC_STATUS, stdout), rel_args_done(&a), 0;
	struct kube_client *kc = rel_client();
	struct history h = {0};
	int code = !kc || rel_load(kc, rel_namespace(kc), a.pos[0], &h);
	struct release *r = code ? NULL : a.revision ? history_get(&h, (int)a.revision) : history_last(&h);
	if (!code && !r) {
		fprintf(stderr, a.revision ? "tops: release: not found (no revision %ld)\n" : "tops: release: not found\n",
			a.revision);
		code = 1;
	} else if (r && a.output && strcmp(a.output, "table")) {
		char *json = release_to_json(r);
		struct value *v = value_from_json(json, strlen(json), NULL);
		code = rel_print_value(v, a.output);
		value_unref(v);
		free(json);
	} else if (r) {
		rel_print_block(stdout, r, false);
		print_holder(kc, rel_namespace(kc), a.pos[0]);
		if (a.show_resources)
			print_resources(r);
		if (r->info.notes && *r->info.notes)
			printf("NOTES:\n%s\n", r->info.notes);
	}
	history_done(&h);
	if (kc)
		kube_client_free(kc);
	rel_args_done(&a);
	return code;
}
