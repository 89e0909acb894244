/* schemacheck — rendered objects against the cluster's OpenAPI v3 schemas. */
#include "core/release/schemacheck.h"
#include "core/validate/validate.h"

#include <stdlib.h>
#include <string.h>

struct findings {
	struct strbuf sb;
	size_t n;
};

static void on_result(const struct validate_result *r, void *ud)
{
	struct findings *f = ud;
	if (r->status == VAL_INVALID) {
		for (size_t i = 0; i < r->nverrs; i++, f->n++)
			sb_addf(&f->sb, "\n  %s:%d:%d: %s %s: %s: %s", r->path, r->verrs[i].line, r->verrs[i].col,
				r->kind, r->name, *r->verrs[i].path ? r->verrs[i].path : "/", r->verrs[i].msg);
	} else if (r->status == VAL_ERROR) {
		sb_addf(&f->sb, "\n  %s:%d: %s %s: %s", r->path, r->line, r->kind, r->name, r->err ? r->err : "error");
		f->n++;
	}
}

static void scan_all(const struct manifest *m, size_t n, char ***avs, size_t *navs)
{
	for (size_t i = 0; i < n; i++)
		openapi_scan_api_versions(m[i].content, strlen(m[i].content), avs, navs);
}

static void check_all(struct validator *v, const struct manifest *m, size_t n, struct findings *f)
{
	for (size_t i = 0; i < n; i++)
		validator_run_text(v, m[i].name, m[i].content, strlen(m[i].content), false, on_result, f);
}

static int check(struct openapi_cluster *oc, const struct manifest_set *set, struct tops_err *err)
{
	char **avs = NULL;
	size_t navs = 0;
	scan_all(set->manifests, set->nmanifests, &avs, &navs);
	scan_all(set->hooks, set->nhooks, &avs, &navs);
	int rc = openapi_cluster_prefetch(oc, (const char *const *)avs, navs, err);
	for (size_t i = 0; i < navs; i++)
		free(avs[i]);
	free(avs);
	if (rc < 0)
		return rc;
	struct validate_opts vo = {.cluster = oc, .strict = true, .ignore_missing_schemas = true};
	struct validator *v = validator_new(&vo, err);
	if (!v)
		return -TOPS_EINVAL;
	struct findings f = {.sb = STRBUF_INIT};
	check_all(v, set->manifests, set->nmanifests, &f);
	check_all(v, set->hooks, set->nhooks, &f);
	validator_free(v);
	if (f.n)
		rc = tops_err_set(err, TOPS_EINVAL, "%zu problem%s against the cluster's schemas (%s %s):%s\n"
				  "(--skip-schema-validation skips this check)", f.n, f.n == 1 ? "" : "s",
				  "OpenAPI v3 of", openapi_cluster_version(oc), sb_str(&f.sb));
	sb_done(&f.sb);
	return rc;
}

int schemacheck_run(struct kube_client *kc, const struct manifest_set *set,
		    void (*warn)(const char *msg, void *ud), void *ud, struct tops_err *err)
{
	struct openapi_cluster *oc = NULL;
	struct openapi_cluster_opts o = {.warn = warn, .ud = ud};
	int rc = openapi_cluster_open(kc, &o, &oc, err);
	if (rc == -TOPS_ENOENT) {
		if (warn)
			warn(tops_err_msg(err), ud);
		tops_err_clear(err);
		return 0;
	}
	if (rc == 0)
		rc = check(oc, set, err);
	else
		tops_err_prefix(err, "schema validation (--skip-schema-validation skips it)");
	openapi_cluster_free(oc);
	return rc;
}
