/* funcs_strings — Sprig's string functions (Sprig v3.3 semantics; case mapping is ASCII). */
#include "core/tmpl/funcs_util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FN(name) static int name(struct tmpl_exec *ex, struct value **args, int nargs, \
				  struct value **out, struct tops_err *err)
#define STR(i, s, n) const char *s; size_t n; FU_TRY(fu_arg_str(args, i, &s, &n, err))
#define INT(i, x) int64_t x; FU_TRY(fu_arg_int(args, i, &x, err))

static bool is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool in_set(const char *set, size_t n, char c)
{
	return memchr(set, c, n) != NULL;
}

/* strings.Trim with an ASCII cutset (bytes). */
static int trim_common(const char *s, size_t n, const char *set, size_t setn, bool left,
		       bool right, struct value **out)
{
	size_t a = 0, b = n;
	while (left && a < b && in_set(set, setn, s[a]))
		a++;
	while (right && b > a && in_set(set, setn, s[b - 1]))
		b--;
	return fu_ret_str(s + a, b - a, out);
}

FN(f_trim)
{
	STR(0, s, n);
	return trim_common(s, n, " \t\n\r\v\f", 6, true, true, out);
}

FN(f_trim_all)
{
	STR(0, set, setn);
	STR(1, s, n);
	return trim_common(s, n, set, setn, true, true, out);
}

FN(f_trim_prefix)
{
	STR(0, p, pn);
	STR(1, s, n);
	if (pn <= n && memcmp(s, p, pn) == 0)
		return fu_ret_str(s + pn, n - pn, out);
	return fu_ret_str(s, n, out);
}

FN(f_trim_suffix)
{
	STR(0, p, pn);
	STR(1, s, n);
	if (pn <= n && memcmp(s + n - pn, p, pn) == 0)
		return fu_ret_str(s, n - pn, out);
	return fu_ret_str(s, n, out);
}

static int map_case(struct value **args, struct value **out, struct tops_err *err, int (*fn)(int))
{
	STR(0, s, n);
	char *r = xstrndup(s, n);
	for (size_t i = 0; i < n; i++)
		if (!(r[i] & 0x80))
			r[i] = (char)fn((unsigned char)r[i]);
	*out = value_str_own(r, n);
	return 0;
}

static int swap1(int c)
{
	return isupper(c) ? tolower(c) : islower(c) ? toupper(c) : c;
}

FN(f_upper) { return map_case(args, out, err, toupper); }
FN(f_lower) { return map_case(args, out, err, tolower); }
FN(f_swapcase) { return map_case(args, out, err, swap1); }

/* strings.Title: a letter after a separator (anything but a letter, digit or '_') is upper-cased. */
FN(f_title)
{
	STR(0, s, n);
	char *r = xstrndup(s, n);
	unsigned char prev = ' ';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)r[i];
		bool sep = prev < 0x80 && !isalnum(prev) && prev != '_';
		if (sep && c < 0x80)
			r[i] = (char)toupper(c);
		prev = c;
	}
	*out = value_str_own(r, n);
	return 0;
}

/* goutils.Uncapitalize / Initials: words are whitespace-delimited. */
FN(f_untitle)
{
	STR(0, s, n);
	char *r = xstrndup(s, n);
	bool start = true;
	for (size_t i = 0; i < n; i++) {
		if (is_space(r[i])) {
			start = true;
			continue;
		}
		if (start && !(r[i] & 0x80))
			r[i] = (char)tolower((unsigned char)r[i]);
		start = false;
	}
	*out = value_str_own(r, n);
	return 0;
}

FN(f_initials)
{
	STR(0, s, n);
	struct strbuf sb = STRBUF_INIT;
	bool start = true;
	for (size_t i = 0; i < n; i++) {
		if (is_space(s[i])) {
			start = true;
			continue;
		}
		if (start) {
			size_t k = 1;
			while (i + k < n && ((unsigned char)s[i + k] & 0xc0) == 0x80)
				k++;
			sb_add(&sb, s + i, k);
		}
		start = false;
	}
	return fu_ret_sb(&sb, out);
}

FN(f_repeat)
{
	INT(0, count);
	STR(1, s, n);
	if (count < 0)
		return tops_err_set(err, TOPS_EINVAL, "strings: negative Repeat count");
	if (n && (uint64_t)count > (64u << 20) / n)
		return tops_err_set(err, TOPS_ETOOBIG, "strings: Repeat output length overflow");
	struct strbuf sb = STRBUF_INIT;
	for (int64_t i = 0; i < count; i++)
		sb_add(&sb, s, n);
	return fu_ret_sb(&sb, out);
}

static int slice_err(struct tops_err *err, int64_t a, int64_t b, size_t n)
{
	return tops_err_set(err, TOPS_EINVAL, "runtime error: slice bounds out of range [%lld:%lld] with length %zu",
			    (long long)a, (long long)b, n);
}

FN(f_substr)
{
	INT(0, start);
	INT(1, end);
	STR(2, s, n);
	int64_t len = (int64_t)n;
	if (start < 0) {
		if (end < 0 || end > len)
			return slice_err(err, 0, end, n);
		return fu_ret_str(s, (size_t)end, out);
	}
	if (end < 0 || end > len) {
		if (start > len)
			return slice_err(err, start, len, n);
		return fu_ret_str(s + start, n - (size_t)start, out);
	}
	if (start > end)
		return slice_err(err, start, end, n);
	return fu_ret_str(s + start, (size_t)(end - start), out);
}

FN(f_nospace)
{
	STR(0, s, n);
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++)
		if (!is_space(s[i]))
			sb_addc(&sb, s[i]);
	return fu_ret_sb(&sb, out);
}

FN(f_trunc)
{
	INT(0, c);
	STR(1, s, n);
	int64_t len = (int64_t)n;
	if (c < 0 && len + c > 0)
		return fu_ret_str(s + len + c, (size_t)-c, out);
	if (c >= 0 && len > c)
		return fu_ret_str(s, (size_t)c, out);
	return fu_ret_str(s, n, out);
}

/* goutils.AbbreviateFull (byte based, as in Go). */
static void abbreviate(struct strbuf *sb, const char *s, size_t n, int64_t off, int64_t w)
{
	int64_t len = (int64_t)n;
	if (n == 0 || w < 4 || len <= w) {
		sb_add(sb, s, n);
		return;
	}
	if (off > len)
		off = len;
	if (len - off < w - 3)
		off = len - (w - 3);
	if (off <= 4) {
		sb_add(sb, s, (size_t)(w - 3));
		sb_adds(sb, "...");
		return;
	}
	if (w < 7) {
		sb_add(sb, s, n);
		return;
	}
	sb_adds(sb, "...");
	if (off + w - 3 < len)
		abbreviate(sb, s + off, n - (size_t)off, 0, w - 3);
	else
		sb_add(sb, s + len - (w - 3), (size_t)(w - 3));
}

FN(f_abbrev)
{
	INT(0, w);
	STR(1, s, n);
	struct strbuf sb = STRBUF_INIT;
	abbreviate(&sb, s, n, 0, w);
	return fu_ret_sb(&sb, out);
}

FN(f_abbrevboth)
{
	INT(0, left);
	INT(1, right);
	STR(2, s, n);
	if (right < 4 || (left > 0 && right < 7))
		return fu_ret_str(s, n, out);
	struct strbuf sb = STRBUF_INIT;
	abbreviate(&sb, s, n, left, right);
	return fu_ret_sb(&sb, out);
}

/* goutils.WrapCustom. */
static void wrap_custom(struct strbuf *sb, const char *s, size_t n, int64_t w, const char *nl,
			size_t nln, bool long_words)
{
	if (w < 1)
		w = 1;
	size_t off = 0, wl = (size_t)w;
	while (n - off > wl) {
		if (s[off] == ' ') {
			off++;
			continue;
		}
		size_t end = off + wl + 1, sp = (size_t)-1;
		for (size_t i = off; i < end && i < n; i++)
			if (s[i] == ' ')
				sp = i;
		if (sp != (size_t)-1) {
			sb_add(sb, s + off, sp - off);
			sb_add(sb, nl, nln);
			off = sp + 1;
		} else if (long_words) {
			sb_add(sb, s + off, wl);
			sb_add(sb, nl, nln);
			off += wl;
		} else {
			const char *q = memchr(s + off + wl, ' ', n - off - wl);
			if (!q) {
				sb_add(sb, s + off, n - off);
				off = n;
			} else {
				sb_add(sb, s + off, (size_t)(q - s) - off);
				sb_add(sb, nl, nln);
				off = (size_t)(q - s) + 1;
			}
		}
	}
	sb_add(sb, s + off, n - off);
}

FN(f_wrap)
{
	INT(0, w);
	STR(1, s, n);
	struct strbuf sb = STRBUF_INIT;
	wrap_custom(&sb, s, n, w, "\n", 1, false);
	return fu_ret_sb(&sb, out);
}

FN(f_wrap_with)
{
	INT(0, w);
	STR(1, nl, nln);
	STR(2, s, n);
	struct strbuf sb = STRBUF_INIT;
	if (nln == 0)
		nl = "\n", nln = 1;
	wrap_custom(&sb, s, n, w, nl, nln, true);
	return fu_ret_sb(&sb, out);
}

static const char *mem_find(const char *h, size_t hn, const char *nd, size_t nn)
{
	if (nn == 0)
		return h;
	return memmem(h, hn, nd, nn);
}

FN(f_contains)
{
	STR(0, sub, sn);
	STR(1, s, n);
	*out = value_bool(mem_find(s, n, sub, sn) != NULL);
	return 0;
}

FN(f_has_prefix)
{
	STR(0, p, pn);
	STR(1, s, n);
	*out = value_bool(pn <= n && memcmp(s, p, pn) == 0);
	return 0;
}

FN(f_has_suffix)
{
	STR(0, p, pn);
	STR(1, s, n);
	*out = value_bool(pn <= n && memcmp(s + n - pn, p, pn) == 0);
	return 0;
}

static int quote_any(struct value **args, int nargs, struct value **out, bool dq)
{
	struct strbuf sb = STRBUF_INIT;
	bool first = true;
	for (int i = 0; i < nargs; i++) {
		if (!args[i] || args[i]->type == V_NULL)
			continue;
		size_t n;
		char *s = fu_strval(args[i], &n);
		if (!first)
			sb_addc(&sb, ' ');
		first = false;
		if (dq) {
			fu_quote(&sb, s, n);
		} else {
			sb_addc(&sb, '\'');
			sb_add(&sb, s, n);
			sb_addc(&sb, '\'');
		}
		free(s);
	}
	return fu_ret_sb(&sb, out);
}

FN(f_quote) { return quote_any(args, nargs, out, true); }
FN(f_squote) { return quote_any(args, nargs, out, false); }

FN(f_cat)
{
	struct strbuf sb = STRBUF_INIT;
	bool first = true;
	for (int i = 0; i < nargs; i++) {
		if (!args[i] || args[i]->type == V_NULL)
			continue;
		if (!first)
			sb_addc(&sb, ' ');
		first = false;
		fu_fmt(&sb, args[i]);
	}
	return fu_ret_sb(&sb, out);
}

static int indent_common(struct value **args, struct value **out, struct tops_err *err, bool nl)
{
	INT(0, spaces);
	STR(1, s, n);
	if (spaces < 0)
		spaces = 0;
	if (spaces > 1 << 20)
		return tops_err_set(err, TOPS_ETOOBIG, "indent: %lld spaces is too many", (long long)spaces);
	struct strbuf sb = STRBUF_INIT;
	if (nl)
		sb_addc(&sb, '\n');
	for (int64_t k = 0; k < spaces; k++)
		sb_addc(&sb, ' ');
	for (size_t i = 0; i < n; i++) {
		sb_addc(&sb, s[i]);
		if (s[i] == '\n')
			for (int64_t k = 0; k < spaces; k++)
				sb_addc(&sb, ' ');
	}
	return fu_ret_sb(&sb, out);
}

FN(f_indent) { return indent_common(args, out, err, false); }
FN(f_nindent) { return indent_common(args, out, err, true); }

/* strings.Replace(src, old, new, -1), including Go's rule for an empty old string. */
static void replace_all(struct strbuf *sb, const char *s, size_t n, const char *o, size_t on,
			const char *r, size_t rn)
{
	if (on == 0) {
		sb_add(sb, r, rn);
		for (size_t i = 0; i < n;) {
			size_t k = 1;
			while (i + k < n && ((unsigned char)s[i + k] & 0xc0) == 0x80)
				k++;
			sb_add(sb, s + i, k);
			sb_add(sb, r, rn);
			i += k;
		}
		return;
	}
	size_t i = 0;
	const char *p;
	while ((p = memmem(s + i, n - i, o, on)) != NULL) {
		sb_add(sb, s + i, (size_t)(p - s) - i);
		sb_add(sb, r, rn);
		i = (size_t)(p - s) + on;
	}
	sb_add(sb, s + i, n - i);
}

FN(f_replace)
{
	STR(0, o, on);
	STR(1, r, rn);
	STR(2, s, n);
	struct strbuf sb = STRBUF_INIT;
	replace_all(&sb, s, n, o, on, r, rn);
	return fu_ret_sb(&sb, out);
}

FN(f_plural)
{
	STR(0, one, onen);
	STR(1, many, manyn);
	INT(2, count);
	return count == 1 ? fu_ret_str(one, onen, out) : fu_ret_str(many, manyn, out);
}

/* Word splitting shared by snakecase and kebabcase (xstrings-like): separators are any
 * non-alphanumeric ASCII; a capital starts a word after a lower-case letter or digit, and the last
 * capital of a run starts a word when a lower-case letter follows ("HTTPServer" -> http server). */
static int join_words(struct value **args, struct value **out, struct tops_err *err, char sep)
{
	STR(0, s, n);
	struct strbuf sb = STRBUF_INIT;
	bool pending = false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80 && !isalnum(c)) {
			pending = sb.len > 0;
			continue;
		}
		if (isupper(c) && i > 0) {
			unsigned char p = (unsigned char)s[i - 1];
			bool nextlow = i + 1 < n && islower((unsigned char)s[i + 1]);
			if (islower(p) || isdigit(p) || (isupper(p) && nextlow))
				pending = sb.len > 0;
		}
		if (pending)
			sb_addc(&sb, sep);
		pending = false;
		sb_addc(&sb, c < 0x80 ? (char)tolower(c) : (char)c);
	}
	return fu_ret_sb(&sb, out);
}

FN(f_snakecase) { return join_words(args, out, err, '_'); }
FN(f_kebabcase) { return join_words(args, out, err, '-'); }

static bool is_connector(char c)
{
	return c == '-' || c == '_' || is_space(c);
}

/* xstrings.ToCamelCase: connectors are dropped and the next letter upper-cased; leading and
 * repeated connectors are kept. */
FN(f_camelcase)
{
	STR(0, s, n);
	struct strbuf sb = STRBUF_INIT;
	size_t i = 0;
	while (i < n && is_connector(s[i]))
		sb_addc(&sb, s[i++]);
	bool up = true;
	for (; i < n; i++) {
		char c = s[i];
		if (is_connector(c)) {
			bool next_conn = i + 1 < n && is_connector(s[i + 1]);
			if (next_conn || i + 1 == n)
				sb_addc(&sb, c);
			else
				up = true;
			continue;
		}
		sb_addc(&sb, up && !(c & 0x80) ? (char)toupper((unsigned char)c) : c);
		up = false;
	}
	return fu_ret_sb(&sb, out);
}

FN(f_shuffle)
{
	STR(0, s, n);
	char *r = xstrndup(s, n);
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)random() % i;
		char t = r[i - 1];
		r[i - 1] = r[j];
		r[j] = t;
	}
	*out = value_str_own(r, n);
	return 0;
}

/* strings.Split / SplitN (n < 0: all). */
static struct value *split_list(const char *s, size_t n, const char *sep, size_t sepn, int64_t max)
{
	struct value *l = fu_strlist_new();
	if (max == 0)
		return l;
	size_t i = 0;
	if (sepn == 0) {
		while (i < n) {
			size_t k = 1;
			while (i + k < n && ((unsigned char)s[i + k] & 0xc0) == 0x80)
				k++;
			if (max > 0 && (int64_t)l->u.list.len == max - 1)
				k = n - i;
			fu_strlist_add(l, s + i, k);
			i += k;
		}
		return l;
	}
	const char *p;
	while ((max < 0 || (int64_t)l->u.list.len < max - 1) &&
	       (p = memmem(s + i, n - i, sep, sepn)) != NULL) {
		fu_strlist_add(l, s + i, (size_t)(p - s) - i);
		i = (size_t)(p - s) + sepn;
	}
	fu_strlist_add(l, s + i, n - i);
	return l;
}

static struct value *list_to_underscore_map(struct value *l)
{
	struct value *m = value_map();
	for (size_t i = 0; i < l->u.list.len; i++) {
		char key[32];
		snprintf(key, sizeof key, "_%zu", i);
		value_map_set(m, key, value_ref(l->u.list.items[i]));
	}
	value_unref(l);
	return m;
}

FN(f_split)
{
	STR(0, sep, sepn);
	STR(1, s, n);
	*out = list_to_underscore_map(split_list(s, n, sep, sepn, -1));
	return 0;
}

FN(f_split_list)
{
	STR(0, sep, sepn);
	STR(1, s, n);
	*out = split_list(s, n, sep, sepn, -1);
	return 0;
}

FN(f_splitn)
{
	STR(0, sep, sepn);
	INT(1, max);
	STR(2, s, n);
	*out = list_to_underscore_map(split_list(s, n, sep, sepn, max));
	return 0;
}

FN(f_join)
{
	STR(0, sep, sepn);
	struct value *l = fu_strslice(args[1]);
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < l->u.list.len; i++) {
		if (i)
			sb_add(&sb, sep, sepn);
		sb_add(&sb, l->u.list.items[i]->u.str.s, l->u.list.items[i]->u.str.len);
	}
	value_unref(l);
	return fu_ret_sb(&sb, out);
}

static int cmp_str_items(const void *a, const void *b)
{
	const struct value *x = *(struct value *const *)a, *y = *(struct value *const *)b;
	size_t n = x->u.str.len < y->u.str.len ? x->u.str.len : y->u.str.len;
	int c = memcmp(x->u.str.s, y->u.str.s, n);
	return c ? c : (x->u.str.len > y->u.str.len) - (x->u.str.len < y->u.str.len);
}

FN(f_sort_alpha)
{
	struct value *l = fu_strslice(args[0]);
	if (args[0] && args[0]->type == V_LIST && l->u.list.len > 1)
		qsort(l->u.list.items, l->u.list.len, sizeof *l->u.list.items, cmp_str_items);
	*out = l;
	return 0;
}

FN(f_to_string)
{
	size_t n;
	char *s = fu_strval(args[0], &n);
	*out = value_str_own(s, n);
	return 0;
}

FN(f_to_strings)
{
	*out = fu_strslice(args[0]);
	return 0;
}

/* path.Clean (slash-separated). */
static char *path_clean(const char *p, size_t n)
{
	if (n == 0)
		return xstrdup(".");
	bool rooted = p[0] == '/';
	struct strbuf sb = STRBUF_INIT;
	size_t dotdot = rooted ? 1 : 0, i = rooted ? 1 : 0;
	if (rooted)
		sb_addc(&sb, '/');
	while (i < n) {
		size_t j = i;
		while (j < n && p[j] != '/')
			j++;
		size_t k = j - i;
		if (k == 0 || (k == 1 && p[i] == '.')) {
			/* skip */
		} else if (k == 2 && p[i] == '.' && p[i + 1] == '.') {
			if (sb.len > dotdot) {
				size_t w = sb.len - 1;
				while (w > dotdot && sb.buf[w] != '/')
					w--;
				sb.len = w;
				sb.buf[w] = 0;
			} else if (!rooted) {
				if (sb.len > 0)
					sb_addc(&sb, '/');
				sb_adds(&sb, "..");
				dotdot = sb.len;
			}
		} else {
			if ((rooted && sb.len != 1) || (!rooted && sb.len != 0))
				sb_addc(&sb, '/');
			sb_add(&sb, p + i, k);
		}
		i = j + 1;
	}
	if (sb.len == 0)
		sb_addc(&sb, '.');
	return sb_detach(&sb, NULL);
}

FN(f_clean)
{
	STR(0, s, n);
	char *c = path_clean(s, n);
	*out = value_str_own(c, strlen(c));
	return 0;
}

FN(f_base)
{
	STR(0, s, n);
	if (n == 0)
		return fu_ret_str(".", 1, out);
	while (n > 0 && s[n - 1] == '/')
		n--;
	if (n == 0)
		return fu_ret_str("/", 1, out);
	size_t i = n;
	while (i > 0 && s[i - 1] != '/')
		i--;
	return fu_ret_str(s + i, n - i, out);
}

FN(f_dir)
{
	STR(0, s, n);
	size_t i = n;
	while (i > 0 && s[i - 1] != '/')
		i--;
	char *c = path_clean(s, i);
	*out = value_str_own(c, strlen(c));
	return 0;
}

FN(f_ext)
{
	STR(0, s, n);
	for (size_t i = n; i > 0 && s[i - 1] != '/'; i--)
		if (s[i - 1] == '.')
			return fu_ret_str(s + i - 1, n - i + 1, out);
	return fu_ret_str("", 0, out);
}

FN(f_is_abs)
{
	STR(0, s, n);
	*out = value_bool(n > 0 && s[0] == '/');
	return 0;
}

FN(f_hello)
{
	return fu_ret_str("Hello!", 6, out);
}

static const struct tmpl_func string_funcs[] = {
	{"hello", f_hello, 0, 0}, {"trimall", f_trim_all, 2, 2},
	{"trim", f_trim, 1, 1}, {"trimAll", f_trim_all, 2, 2},
	{"trimPrefix", f_trim_prefix, 2, 2}, {"trimSuffix", f_trim_suffix, 2, 2},
	{"upper", f_upper, 1, 1}, {"lower", f_lower, 1, 1}, {"title", f_title, 1, 1},
	{"untitle", f_untitle, 1, 1}, {"swapcase", f_swapcase, 1, 1},
	{"repeat", f_repeat, 2, 2}, {"substr", f_substr, 3, 3}, {"nospace", f_nospace, 1, 1},
	{"trunc", f_trunc, 2, 2}, {"abbrev", f_abbrev, 2, 2}, {"abbrevboth", f_abbrevboth, 3, 3},
	{"initials", f_initials, 1, 1}, {"wrap", f_wrap, 2, 2}, {"wrapWith", f_wrap_with, 3, 3},
	{"contains", f_contains, 2, 2}, {"hasPrefix", f_has_prefix, 2, 2},
	{"hasSuffix", f_has_suffix, 2, 2}, {"quote", f_quote, 0, -1}, {"squote", f_squote, 0, -1},
	{"cat", f_cat, 0, -1}, {"indent", f_indent, 2, 2}, {"nindent", f_nindent, 2, 2},
	{"replace", f_replace, 3, 3}, {"plural", f_plural, 3, 3},
	{"snakecase", f_snakecase, 1, 1}, {"camelcase", f_camelcase, 1, 1},
	{"kebabcase", f_kebabcase, 1, 1}, {"shuffle", f_shuffle, 1, 1},
	{"split", f_split, 2, 2}, {"splitList", f_split_list, 2, 2}, {"splitn", f_splitn, 3, 3},
	{"join", f_join, 2, 2}, {"sortAlpha", f_sort_alpha, 1, 1},
	{"toString", f_to_string, 1, 1}, {"toStrings", f_to_strings, 1, 1},
	{"base", f_base, 1, 1}, {"dir", f_dir, 1, 1}, {"clean", f_clean, 1, 1},
	{"ext", f_ext, 1, 1}, {"isAbs", f_is_abs, 1, 1},
	{"osBase", f_base, 1, 1}, {"osDir", f_dir, 1, 1}, {"osClean", f_clean, 1, 1},
	{"osExt", f_ext, 1, 1}, {"osIsAbs", f_is_abs, 1, 1},
};

FU_REGISTER(funcs_strings_register, string_funcs)
