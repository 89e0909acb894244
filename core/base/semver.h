/* semver — Masterminds/semver v3 versions and constraints (as Sprig's semver/semverCompare and
 * Helm's kubeVersion checks see them): loose parsing ("1.2", "v1"), SemVer 2 ordering with
 * prereleases, constraint syntax with =, !=, >, <, >=, <=, ~, ~>, ^, x-ranges, hyphen ranges,
 * comma/space ANDs and || ORs. A prerelease version satisfies a group of ANDed constraints only
 * when some constraint in that group names a prerelease (semver v3.4+ behaviour). */
#ifndef TOPS_SEMVER_H
#define TOPS_SEMVER_H

#include "core/base/util.h"

struct semver {
	uint64_t major, minor, patch;
	char *pre;       /* "" when none; owned */
	char *meta;      /* "" when none; owned */
	char *original;  /* the text parsed; owned */
};

/* Parses s loosely (missing minor/patch are 0, leading "v" allowed). Fills v (free with
 * semver_done) or returns -TOPS_EINVAL with "Invalid Semantic Version". */
int semver_parse(const char *s, struct semver *v, struct tops_err *err);
void semver_done(struct semver *v);
/* -1, 0, 1 by SemVer precedence (build metadata ignored). */
int semver_compare(const struct semver *a, const struct semver *b);
/* Appends the canonical form "1.2.3-pre+meta". */
void semver_format(struct strbuf *sb, const struct semver *v);

/* Checks v against constraint text; *ok receives the answer. Returns -TOPS_EINVAL with
 * "improper constraint: ..." when the constraint does not parse. */
int semver_check(const char *constraint, const struct semver *v, bool *ok, struct tops_err *err);

#endif
