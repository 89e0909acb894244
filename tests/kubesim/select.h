/* select — Kubernetes label selectors (=, ==, !=, in, notin, exists, !exists) and field
 * selectors (=, ==, != on dotted paths such as status.phase or involvedObject.name). */
#ifndef KUBESIM_SELECT_H
#define KUBESIM_SELECT_H

#include "tests/kubesim/db.h"

struct selector;

/* Either string may be NULL or empty. NULL with err set (code SIM_EBADREQ) on bad syntax.
 * Caller frees with selector_free(). */
struct selector *selector_parse(const char *labels, const char *fields, struct tops_err *err);
void selector_free(struct selector *s);
/* True when matching needs the parsed object (a field other than metadata.name/namespace). */
bool selector_needs_object(const struct selector *s);
/* True when the selector has no requirement (it matches everything). */
bool selector_empty(const struct selector *s);
/* parsed may be NULL unless selector_needs_object(). labels: map of the object's labels. */
bool selector_match(const struct selector *s, const char *ns, const char *name,
		    const struct value *labels, const struct value *parsed);
/* Matches a label selector given as a LabelSelector map (matchLabels/matchExpressions). */
bool selector_match_labelselector(const struct value *sel, const struct value *labels);
/* Matches a plain map selector (Service spec.selector): every key equal. Empty matches nothing. */
bool selector_match_map(const struct value *sel, const struct value *labels);

#endif
