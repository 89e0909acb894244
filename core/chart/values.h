/* values — Helm v3 values: coalescing chart defaults with user values (CoalesceValues,
 * MergeValues, CoalesceTables, MergeTables), globals copied down to subcharts, dependency
 * enabling (condition, tags), aliases and import-values (ProcessDependenciesWithMerge), and the
 * -f merge of values files.
 *
 * Maps are mutated in place as Go maps are; callers pass values they own (copies).
 */
#ifndef TOPS_VALUES_H
#define TOPS_VALUES_H

#include "core/chart/chart.h"
#include "core/chart/valuesfile.h"

/* CoalesceValues (merge=false: a user null deletes the key) or MergeValues (merge=true: nulls
 * kept). user is borrowed (deep-copied first; NULL = {}). Returns a new map or NULL with err. */
struct value *values_coalesce(const struct chart *c, const struct value *user, bool merge,
			      struct tops_err *err);

/* CoalesceTables / MergeTables: merges src into dst (dst wins) in place; returns dst (or src when
 * dst is NULL) as a borrowed pointer. src may be mutated (Go does the same). */
struct value *values_coalesce_tables(struct value *dst, struct value *src, bool merge);

/* Helm's ProcessDependenciesWithMerge: drops disabled subcharts (condition, tags), applies
 * aliases and import-values into the charts' values. user (borrowed) is the user's values. */
int values_process_dependencies(struct chart *c, const struct value *user, struct tops_err *err);

/* The -f merge of n values files in order (later files win). Returns a new map or NULL. */
struct value *values_merge_files(const char *const *paths, size_t n, struct tops_err *err);

/* The -f merge: maps merge recursively, anything else replaces. Both borrowed; new map. */
struct value *values_merge_maps(const struct value *a, const struct value *b);

/* Values.Table("a.b"): borrowed map or NULL. */
struct value *values_table(const struct value *v, const char *path);

#endif
