/* funcs_regex — Sprig's regex functions on PCRE2, with Go's RE2 conventions: `$` matches only at
 * the end unless (?m), \d \w \s \b are ASCII, FindAll/ReplaceAll/Split follow Go's rules for empty
 * matches, and replacements expand $1, ${1}, $name, ${name} and $$ like regexp.Expand. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "core/tmpl/funcs_util.h"

#include <ctype.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#define FN(name) static int name(struct tmpl_exec *ex, struct value **args, int nargs, \
				  struct value **out, struct tops_err *err)
#define STR(i, s, n) const char *s; size_t n; FU_TRY(fu_arg_str(args, i, &s, &n, err))
#define INT(i, x) int64_t x; FU_TRY(fu_arg_int(args, i, &x, err))

struct re {
	pcre2_code *code;
	pcre2_match_data *md;
};

static int re_compile(const char *pat, size_t n, struct re *re, struct tops_err *err)
{
	int ec;
	PCRE2_SIZE eo;
	re->code = pcre2_compile((PCRE2_SPTR)pat, n,
				 PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_DOLLAR_ENDONLY, &ec,
				 &eo, NULL);
	if (!re->code) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(ec, msg, sizeof msg);
		return tops_err_set(err, TOPS_EINVAL, "error parsing regexp: %s: `%.*s`", (char *)msg,
				    (int)n, pat);
	}
	re->md = pcre2_match_data_create_from_pattern(re->code, NULL);
	return 0;
}

static void re_free(struct re *re)
{
	pcre2_match_data_free(re->md);
	pcre2_code_free(re->code);
}

/* Match at or after pos; returns the ovector or NULL. */
static PCRE2_SIZE *re_exec(struct re *re, const char *s, size_t n, size_t pos)
{
	int rc = pcre2_match(re->code, (PCRE2_SPTR)s, n, pos, 0, re->md, NULL);
	return rc < 0 ? NULL : pcre2_get_ovector_pointer(re->md);
}

static size_t rune_width(const char *s, size_t n, size_t pos)
{
	if (pos >= n)
		return 0;
	unsigned char c = (unsigned char)s[pos];
	size_t w = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
	for (size_t i = 1; i < w; i++)
		if (pos + i >= n || ((unsigned char)s[pos + i] & 0xc0) != 0x80)
			return 1;
	return w;
}

/* Go's allMatches: calls fn(start, end) for up to max (<0: all) matches. */
static void re_all(struct re *re, const char *s, size_t n, int64_t max,
		   void (*fn)(void *ctx, size_t a, size_t b), void *ctx)
{
	size_t pos = 0;
	long prev_end = -1;
	for (int64_t i = 0; (max < 0 || i < max) && pos <= n;) {
		PCRE2_SIZE *ov = re_exec(re, s, n, pos);
		if (!ov)
			break;
		bool accept = true;
		if (ov[1] == pos) {
			if ((long)ov[0] == prev_end)
				accept = false;
			size_t w = rune_width(s, n, pos);
			pos += w ? w : 1;
		} else {
			pos = ov[1];
		}
		prev_end = (long)ov[1];
		if (accept) {
			fn(ctx, ov[0], ov[1]);
			i++;
		}
	}
}

struct collect {
	const char *s;
	struct value *list;
	size_t *idx;    /* for split: pairs */
	size_t nidx, cap;
};

static void collect_str(void *ctx, size_t a, size_t b)
{
	struct collect *c = ctx;
	fu_strlist_add(c->list, c->s + a, b - a);
}

static void collect_idx(void *ctx, size_t a, size_t b)
{
	struct collect *c = ctx;
	if (c->nidx + 2 > c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->idx = xrealloc(c->idx, c->cap * sizeof *c->idx);
	}
	c->idx[c->nidx++] = a;
	c->idx[c->nidx++] = b;
}

static int match_common(struct value **args, struct value **out, struct tops_err *err, bool must)
{
	STR(0, pat, pn);
	STR(1, s, n);
	struct re re;
	int rc = re_compile(pat, pn, &re, err);
	if (rc < 0) {
		if (must)
			return rc;
		tops_err_clear(err);
		*out = value_bool(false);
		return 0;
	}
	*out = value_bool(re_exec(&re, s, n, 0) != NULL);
	re_free(&re);
	return 0;
}

FN(f_regex_match) { return match_common(args, out, err, false); }
FN(f_must_regex_match) { return match_common(args, out, err, true); }

FN(f_regex_find_all)
{
	STR(0, pat, pn);
	STR(1, s, n);
	INT(2, max);
	struct re re;
	FU_TRY(re_compile(pat, pn, &re, err));
	struct collect c = {.s = s, .list = fu_strlist_new()};
	if (max != 0)
		re_all(&re, s, n, max, collect_str, &c);
	re_free(&re);
	*out = c.list;
	return 0;
}

FN(f_regex_find)
{
	STR(0, pat, pn);
	STR(1, s, n);
	struct re re;
	FU_TRY(re_compile(pat, pn, &re, err));
	PCRE2_SIZE *ov = re_exec(&re, s, n, 0);
	*out = ov ? value_strn(s + ov[0], ov[1] - ov[0]) : value_str("");
	re_free(&re);
	return 0;
}

/* regexp.Expand for one match. */
static void expand(struct strbuf *sb, struct re *re, const char *tpl, size_t tn, const char *s,
		   PCRE2_SIZE *ov)
{
	uint32_t ng = pcre2_get_ovector_count(re->md);
	for (size_t i = 0; i < tn; i++) {
		if (tpl[i] != '$' || i + 1 >= tn) {
			sb_addc(sb, tpl[i]);
			continue;
		}
		if (tpl[i + 1] == '$') {
			sb_addc(sb, '$');
			i++;
			continue;
		}
		bool brace = tpl[i + 1] == '{';
		size_t a = i + 1 + brace, b = a;
		while (b < tn && (isalnum((unsigned char)tpl[b]) || tpl[b] == '_'))
			b++;
		if (b == a || (brace && (b >= tn || tpl[b] != '}'))) {
			sb_addc(sb, '$');
			continue;
		}
		char name[128];
		size_t nl = b - a < sizeof name - 1 ? b - a : sizeof name - 1;
		memcpy(name, tpl + a, nl);
		name[nl] = 0;
		long g = -1;
		char *end;
		long num = strtol(name, &end, 10);
		if (!*end)
			g = num;
		else
			g = pcre2_substring_number_from_name(re->code, (PCRE2_SPTR)name);
		if (g >= 0 && (uint32_t)g < ng && ov[2 * g] != PCRE2_UNSET)
			sb_add(sb, s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
		i = b - 1 + brace;
	}
}

static int replace_common(struct value **args, struct value **out, struct tops_err *err,
			  bool literal)
{
	STR(0, pat, pn);
	STR(1, s, n);
	STR(2, repl, rn);
	struct re re;
	FU_TRY(re_compile(pat, pn, &re, err));
	struct strbuf sb = STRBUF_INIT;
	size_t last = 0, pos = 0;
	while (pos <= n) {
		PCRE2_SIZE *ov = re_exec(&re, s, n, pos);
		if (!ov)
			break;
		size_t a = ov[0], b = ov[1];
		sb_add(&sb, s + last, a - last);
		if (b > last || a == 0) {
			if (literal)
				sb_add(&sb, repl, rn);
			else
				expand(&sb, &re, repl, rn, s, ov);
		}
		last = b;
		size_t w = rune_width(s, n, pos);
		if (pos + w > b)
			pos += w;
		else if (pos + 1 > b)
			pos++;
		else
			pos = b;
	}
	sb_add(&sb, s + last, n - last);
	re_free(&re);
	return fu_ret_sb(&sb, out);
}

FN(f_regex_replace_all) { return replace_common(args, out, err, false); }
FN(f_regex_replace_all_literal) { return replace_common(args, out, err, true); }

FN(f_regex_split)
{
	STR(0, pat, pn);
	STR(1, s, n);
	INT(2, max);
	struct re re;
	FU_TRY(re_compile(pat, pn, &re, err));
	struct value *l = fu_strlist_new();
	*out = l;
	if (max == 0) {
		re_free(&re);
		return 0;
	}
	if (pn > 0 && n == 0) {
		fu_strlist_add(l, "", 0);
		re_free(&re);
		return 0;
	}
	struct collect c = {.s = s};
	re_all(&re, s, n, max, collect_idx, &c);
	size_t beg = 0, end = 0;
	for (size_t i = 0; i < c.nidx; i += 2) {
		if (max > 0 && (int64_t)l->u.list.len == max - 1)
			break;
		end = c.idx[i];
		if (c.idx[i + 1] != 0)
			fu_strlist_add(l, s + beg, end - beg);
		beg = c.idx[i + 1];
	}
	if (end != n)
		fu_strlist_add(l, s + beg, n - beg);
	free(c.idx);
	re_free(&re);
	return 0;
}

FN(f_regex_quote_meta)
{
	STR(0, s, n);
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		if (strchr("\\.+*?()|[]{}^$", s[i]) && s[i])
			sb_addc(&sb, '\\');
		sb_addc(&sb, s[i]);
	}
	return fu_ret_sb(&sb, out);
}

static const struct tmpl_func regex_funcs[] = {
	{"regexMatch", f_regex_match, 2, 2}, {"mustRegexMatch", f_must_regex_match, 2, 2},
	{"regexFindAll", f_regex_find_all, 3, 3}, {"mustRegexFindAll", f_regex_find_all, 3, 3},
	{"regexFind", f_regex_find, 2, 2}, {"mustRegexFind", f_regex_find, 2, 2},
	{"regexReplaceAll", f_regex_replace_all, 3, 3},
	{"mustRegexReplaceAll", f_regex_replace_all, 3, 3},
	{"regexReplaceAllLiteral", f_regex_replace_all_literal, 3, 3},
	{"mustRegexReplaceAllLiteral", f_regex_replace_all_literal, 3, 3},
	{"regexSplit", f_regex_split, 3, 3}, {"mustRegexSplit", f_regex_split, 3, 3},
	{"regexQuoteMeta", f_regex_quote_meta, 1, 1},
};

FU_REGISTER(funcs_regex_register, regex_funcs)
