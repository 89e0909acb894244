/* expr — the condition language of gates (Argo Rollouts' successCondition/failureCondition):
 * numbers (1, 0.95, 1e3), true/false, `result` (the query's values), `result[i]`, len(x),
 * isNaN(x), isInf(x), unary - and !, * / %, + -, < <= > >= == !=, && and ||, parentheses
 * (`and`, `or`, `not` are accepted for && || !, as expr-lang spells them too).
 *
 * `result` is a list; where a number is wanted it stands for its one value (a scalar or a
 * one-series vector), and a list of any other length is an error. Comparisons with NaN are
 * false, as in Go. && and || do not evaluate their right side when the left decides, so
 * `len(result) > 1 && result[1] > 0` is safe on a shorter result.
 */
#ifndef TOPS_GATE_EXPR_H
#define TOPS_GATE_EXPR_H

#include "core/base/util.h"

/* Evaluates src against result (n values, borrowed) into *out. Errors (-TOPS_EINVAL) name the
 * 1-based column: "col 12: unknown name \"resutl\" (use result, len, isNaN, isInf)", "col 7:
 * result[3] out of range (the query returned 2 values)", "col 5: the condition is a number, not
 * true or false". */
int expr_eval(const char *src, const double *result, size_t n, bool *out, struct tops_err *err);

/* Parses src without evaluating it (len(result) taken as 1), for checking a gate file early.
 * Same errors as expr_eval for syntax. */
int expr_check(const char *src, struct tops_err *err);

#endif
