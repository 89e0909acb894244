/* schemacheck — the pre-flight check of rendered objects against the cluster's own OpenAPI v3
 * schemas (core/validate/openapi_cluster), strict as the API server's fieldValidation=Strict:
 * wrong types, unknown fields, missing required fields. Kinds the cluster has no schema for
 * (a CRD the chart brings) are left to the server.
 */
#ifndef TOPS_SCHEMACHECK_H
#define TOPS_SCHEMACHECK_H

#include "core/chart/manifest_sort.h"
#include "core/kube/kube.h"

/* Checks every manifest and hook of set (borrowed) through kc. 0 when all match (or when the
 * server has no /openapi/v3: then warn is called once and nothing is checked). Otherwise
 * -TOPS_EINVAL with err listing each violation as
 *   "testops/templates/x.yaml:LINE:COL: Deployment NAME: /spec/replicas: got string, want integer"
 * (LINE:COL inside the rendered document), or the fetch error. warn(msg, ud) may be NULL. */
int schemacheck_run(struct kube_client *kc, const struct manifest_set *set,
		    void (*warn)(const char *msg, void *ud), void *ud, struct tops_err *err);

#endif
