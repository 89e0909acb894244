/* valid — what the API server checks and normalises in an object a client writes, before it is
 * stored: object names by the rule of their kind (DNS-1123 subdomain, DNS-1123 label,
 * DNS-1035 label, path segment), pod templates (containers, names, images), the 1 MiB data limit
 * of Secrets and ConfigMaps, unknown fields for fieldValidation=Strict (a table of the known
 * fields of the common kinds), and a Secret's stringData folded into data. */
#ifndef KUBESIM_VALID_H
#define KUBESIM_VALID_H

#include "core/base/value.h"

/* The causes that make obj (a write of kind) invalid, as a list of {reason, message, field}
 * (reason FieldValueRequired, FieldValueInvalid, FieldValueTooLong), or NULL when it is valid.
 * New reference. */
struct value *valid_causes(int kind, const struct value *obj);

/* The 422 Invalid Status for causes: "Deployment.apps \"web\" is invalid: field: message" (one
 * cause) or "...: [f1: m1, f2: m2]", details {name, group, kind, causes}. New reference. */
struct value *valid_status(int kind, const char *name, const struct value *causes);

/* The fields of obj that its kind does not have, as a list of dotted paths ("spec.foo"), or
 * NULL. Only the kinds and levels in the table (metadata of every kind; top level, spec and
 * the pod template of the common kinds) are checked; anything else passes. New reference. */
struct value *valid_unknown_fields(int kind, const struct value *obj);
/* Drops those fields (fieldValidation Ignore and Warn: the server's decoder does not keep
 * what its types do not have). */
void valid_drop_unknown(int kind, struct value *obj);

/* A Secret as the API stores it: stringData merged into data (base64, stringData wins) and
 * dropped; type defaults to Opaque. Other kinds are left alone. obj is changed in place. */
void valid_normalise(int kind, struct value *obj);

#endif
