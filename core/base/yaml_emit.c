/* yaml_emit — a port of the behaviour (not the code) of go-yaml v2's block emitter for the
 * data model of struct value. Column tracking is in runes, as libyaml's emitter counts them. */
#include "core/base/base64.h"
#include "core/base/yaml_emit.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BEST_WIDTH 80
#define BEST_INDENT 2

struct emitter {
	struct strbuf sb;
	int column;
	int indent;
	bool whitespace, indention;
	const struct yaml_emit_opts *o;
};

/* ---- low-level output ---- */

static void put(struct emitter *e, char c)
{
	sb_addc(&e->sb, c);
	e->column++;
}

static void put_break(struct emitter *e)
{
	sb_addc(&e->sb, '\n');
	e->column = 0;
}

static size_t utf8_width(unsigned char c)
{
	return c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

/* Copies one rune at s[*i]. */
static void write_rune(struct emitter *e, const char *s, size_t n, size_t *i)
{
	size_t w = utf8_width((unsigned char)s[*i]);
	if (*i + w > n)
		w = n - *i;
	sb_add(&e->sb, s + *i, w);
	*i += w;
	e->column++;
}

static void write_indent(struct emitter *e)
{
	int indent = e->indent < 0 ? 0 : e->indent;
	if (!e->indention || e->column > indent || (e->column == indent && !e->whitespace))
		put_break(e);
	while (e->column < indent)
		put(e, ' ');
	e->whitespace = true;
	e->indention = true;
}

static void write_indicator(struct emitter *e, const char *ind, bool need_ws, bool is_ws,
			    bool is_indention)
{
	if (need_ws && !e->whitespace)
		put(e, ' ');
	for (; *ind; ind++)
		put(e, *ind);
	e->whitespace = is_ws;
	e->indention = e->indention && is_indention;
}

/* ---- character classes (libyaml's) ---- */

static bool is_space_at(const char *s, size_t n, size_t i)
{
	return i < n && s[i] == ' ';
}

static bool is_break_at(const char *s, size_t n, size_t i)
{
	const unsigned char *u = (const unsigned char *)s;
	if (i >= n)
		return false;
	return u[i] == '\r' || u[i] == '\n' || (u[i] == 0xc2 && i + 1 < n && u[i + 1] == 0x85) ||
	       (u[i] == 0xe2 && i + 2 < n && u[i + 1] == 0x80 && (u[i + 2] == 0xa8 || u[i + 2] == 0xa9));
}

static bool is_blankz_at(const char *s, size_t n, size_t i)
{
	return i >= n || s[i] == ' ' || s[i] == '\t' || s[i] == 0 || is_break_at(s, n, i);
}

static bool is_printable_at(const char *s, size_t n, size_t i)
{
	const unsigned char *b = (const unsigned char *)s;
	unsigned char c1 = i + 1 < n ? b[i + 1] : 0, c2 = i + 2 < n ? b[i + 2] : 0;
	return b[i] == 0x0a || (b[i] >= 0x20 && b[i] <= 0x7e) || (b[i] == 0xc2 && c1 >= 0xa0) ||
	       (b[i] > 0xc2 && b[i] < 0xed) || (b[i] == 0xed && c1 < 0xa0) || b[i] == 0xee ||
	       (b[i] == 0xef && !(c1 == 0xbb && c2 == 0xbf) && !(c1 == 0xbf && (c2 == 0xbe || c2 == 0xbf)));
}

/* ---- scalar analysis (libyaml's yaml_emitter_analyze_scalar) ---- */

struct scalar_info {
	bool multiline, flow_plain, block_plain, single_ok, block_ok;
};

static void analyze(const char *s, size_t n, struct scalar_info *si)
{
	*si = (struct scalar_info){false, true, true, true, true};
	if (n == 0) {
		si->flow_plain = false;
		si->block_ok = false;
		return;
	}
	bool block_ind = false, flow_ind = false, line_breaks = false, special = false;
	bool lead_sp = false, lead_br = false, trail_sp = false, trail_br = false;
	bool break_space = false, space_break = false, prev_sp = false, prev_br = false;
	if (n >= 3 && (!strncmp(s, "---", 3) || !strncmp(s, "...", 3)))
		block_ind = flow_ind = true;
	bool preceded_ws = true;
	for (size_t i = 0, w; i < n; i += w) {
		w = utf8_width((unsigned char)s[i]);
		bool followed_ws = is_blankz_at(s, n, i + w);
		char c = s[i];
		if (i == 0) {
			if (strchr("#,[]{}&*!|>'\"%@`", c) && c)
				flow_ind = block_ind = true;
			else if (c == '?' || c == ':') {
				flow_ind = true;
				block_ind |= followed_ws;
			} else if (c == '-' && followed_ws)
				flow_ind = block_ind = true;
		} else {
			if (strchr(",?[]{}", c) && c)
				flow_ind = true;
			else if (c == ':') {
				flow_ind = true;
				block_ind |= followed_ws;
			} else if (c == '#' && preceded_ws)
				flow_ind = block_ind = true;
		}
		if (!is_printable_at(s, n, i))
			special = true;
		if (c == ' ') {
			lead_sp |= i == 0;
			trail_sp |= i + w == n;
			break_space |= prev_br;
			prev_sp = true;
			prev_br = false;
		} else if (is_break_at(s, n, i)) {
			line_breaks = true;
			lead_br |= i == 0;
			trail_br |= i + w >= n;
			space_break |= prev_sp;
			prev_sp = false;
			prev_br = true;
		} else {
			prev_sp = prev_br = false;
		}
		preceded_ws = is_blankz_at(s, n, i);
	}
	si->multiline = line_breaks;
	if (lead_sp || lead_br || trail_sp || trail_br)
		si->flow_plain = si->block_plain = false;
	if (trail_sp)
		si->block_ok = false;
	if (break_space)
		si->flow_plain = si->block_plain = si->single_ok = false;
	if (space_break || special)
		si->flow_plain = si->block_plain = si->single_ok = si->block_ok = false;
	if (line_breaks)
		si->flow_plain = si->block_plain = false;
	if (flow_ind)
		si->flow_plain = false;
	if (block_ind)
		si->block_plain = false;
}

/* ---- go-yaml v2 resolve(): would this plain scalar read back as a non-string? ---- */

static const char *const special_words[] = {
	"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE",
	"false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "~", "null", "Null",
	"NULL", ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF",
	"-.inf", "-.Inf", "-.INF", "<<",
};

static bool all_in(const char *s, size_t n, const char *set)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr(set, s[i]) || !s[i])
			return false;
	return n > 0;
}

/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static bool yaml_style_float(const char *s)
{
	const char *p = s + (*s == '-' || *s == '+');
	if (*p == '.') {
		if (!isdigit((unsigned char)p[1]))
			return false;
		for (p++; isdigit((unsigned char)*p); p++)
			;
	} else {
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
		if (*p == '.')
			for (p++; isdigit((unsigned char)*p); p++)
				;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		p += *p == '-' || *p == '+';
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	return *p == 0;
}

/* strconv.ParseInt/ParseUint(s, 0, 64) acceptance (after '_' removal). */
static bool go_parses_int(const char *s)
{
	const char *p = s + (*s == '-' || *s == '+');
	bool neg = *s == '-';
	const char *digits = "0123456789";
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		digits = "0123456789abcdefABCDEF", p += 2;
	else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B'))
		digits = "01", p += 2;
	else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O'))
		digits = "01234567", p += 2;
	else if (p[0] == '0' && p[1])
		digits = "01234567", p += 1;
	if (!all_in(p, strlen(p), digits))
		return false;
	int base = strlen(digits) == 10 ? 10 : strlen(digits) == 2 ? 2 : strlen(digits) == 8 ? 8 : 16;
	unsigned __int128 v = 0;
	for (; *p; p++) {
		v = v * (unsigned)base + (unsigned)(isdigit((unsigned char)*p) ? *p - '0' : (tolower(*p) - 'a' + 10));
		if (v > ((unsigned __int128)1 << 64))
			return false;
	}
	return neg ? v <= ((unsigned __int128)1 << 63) : v <= (unsigned __int128)UINT64_MAX;
}

static bool is_timestamp(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && isdigit((unsigned char)s[i]))
		i++;
	if (i != 4 || i == n || s[i] != '-')
		return false;
	/* YYYY-M-D, optionally followed by [Tt ]H:M:S(.frac)?(Z|[+-]H(:M)?)? */
	const char *p = s + 5;
	int parts = 0;
	while (parts < 2) {
		int d = 0;
		while (isdigit((unsigned char)*p) && d < 2)
			p++, d++;
		if (!d)
			return false;
		parts++;
		if (parts < 2 && *p++ != '-')
			return false;
	}
	if (!*p)
		return true;
	bool space = *p == ' ';
	if (*p != 'T' && *p != 't' && !space)
		return false;
	p++;
	for (int k = 0; k < 3; k++) {
		int d = 0;
		while (isdigit((unsigned char)*p) && d < 2)
			p++, d++;
		if (!d || (k < 2 && *p++ != ':'))
			return false;
	}
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (!*p)
		return true;
	if (space)
		return false;
	if (*p == 'Z')
		return p[1] == 0;
	if (*p != '+' && *p != '-')
		return false;
	p++;
	if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]) || p[2] != ':' ||
	    !isdigit((unsigned char)p[3]) || !isdigit((unsigned char)p[4]) || p[5])
		return false;
	return true;
}

/* ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$ */
static bool is_base60_float(const char *s)
{
	const char *p = s + (*s == '-' || *s == '+');
	if (!isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p) || *p == '_')
		p++;
	int groups = 0;
	while (*p == ':') {
		p++;
		if (!isdigit((unsigned char)*p))
			return false;
		if (isdigit((unsigned char)p[1])) {
			if (*p > '5')
				return false;
			p += 2;
		} else {
			p++;
		}
		groups++;
	}
	if (!groups)
		return false;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p) || *p == '_'; p++)
			;
	return *p == 0;
}

bool yaml_str_needs_quotes(const char *s, size_t n)
{
	if (n == 0)
		return true;
	if (strlen(s) != n)
		return false;
	for (size_t i = 0; i < ARRAY_LEN(special_words); i++)
		if (!strcmp(s, special_words[i]))
			return true;
	char c = s[0];
	if (c == '.') {
		char *end;
		strtod(s, &end);
		return *end == 0 && n > 1 && (isdigit((unsigned char)s[1]));
	}
	if (!strchr("+-0123456789", c) || !c)
		return is_base60_float(s);
	if (is_timestamp(s, n))
		return true;
	char *plain = xmalloc(n + 1);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] != '_')
			plain[k++] = s[i];
	plain[k] = 0;
	bool r = (k && go_parses_int(plain)) || yaml_style_float(plain) || is_base60_float(s);
	free(plain);
	return r;
}

/* ---- key order (go-yaml v2 keyList.Less on strings) ---- */

static bool is_letter(const char *s, size_t i)
{
	unsigned char c = (unsigned char)s[i];
	return isalpha(c) || c >= 0x80;
}

int yaml_key_cmp(const char *a, const char *b)
{
	size_t an = strlen(a), bn = strlen(b);
	for (size_t i = 0; i < an && i < bn; i++) {
		if (a[i] == b[i])
			continue;
		bool al = is_letter(a, i), bl = is_letter(b, i);
		if (al && bl)
			return (unsigned char)a[i] < (unsigned char)b[i] ? -1 : 1;
		if (al || bl)
			return bl ? -1 : 1;
		int64_t av = 0, bv = 0;
		size_t ai, bi;
		if (a[i] == '0' || b[i] == '0')
			for (size_t j = i; j-- > 0 && isdigit((unsigned char)a[j]);)
				if (a[j] != '0') {
					av = bv = 1;
					break;
				}
		for (ai = i; ai < an && isdigit((unsigned char)a[ai]); ai++)
			av = av * 10 + (a[ai] - '0');
		for (bi = i; bi < bn && isdigit((unsigned char)b[bi]); bi++)
			bv = bv * 10 + (b[bi] - '0');
		if (av != bv)
			return av < bv ? -1 : 1;
		if (ai != bi)
			return ai < bi ? -1 : 1;
		return (unsigned char)a[i] < (unsigned char)b[i] ? -1 : 1;
	}
	return an < bn ? -1 : an > bn ? 1 : 0;
}

static int entry_cmp(const void *x, const void *y)
{
	return yaml_key_cmp(((const struct vmap_entry *)x)->key, ((const struct vmap_entry *)y)->key);
}

/* ---- scalar writers ---- */

static void write_plain(struct emitter *e, const char *s, size_t n, bool allow_breaks)
{
	if (!e->whitespace)
		put(e, ' ');
	bool spaces = false;
	for (size_t i = 0; i < n;) {
		if (s[i] == ' ') {
			if (allow_breaks && !spaces && e->column > BEST_WIDTH && !is_space_at(s, n, i + 1)) {
				write_indent(e);
				i++;
			} else {
				write_rune(e, s, n, &i);
			}
			spaces = true;
		} else {
			write_rune(e, s, n, &i);
			e->indention = false;
			spaces = false;
		}
	}
	e->whitespace = false;
	e->indention = false;
}

static void write_single(struct emitter *e, const char *s, size_t n, bool allow_breaks)
{
	write_indicator(e, "'", true, false, false);
	bool spaces = false;
	for (size_t i = 0; i < n;) {
		if (s[i] == ' ') {
			if (allow_breaks && !spaces && e->column > BEST_WIDTH && i > 0 && i < n - 1 &&
			    !is_space_at(s, n, i + 1)) {
				write_indent(e);
				i++;
			} else {
				write_rune(e, s, n, &i);
			}
			spaces = true;
		} else {
			if (s[i] == '\'')
				put(e, '\'');
			write_rune(e, s, n, &i);
			e->indention = false;
			spaces = false;
		}
	}
	write_indicator(e, "'", false, false, false);
	e->whitespace = false;
	e->indention = false;
}

static const struct {
	unsigned cp;
	char esc;
} dq_escapes[] = {
	{0x00, '0'}, {0x07, 'a'}, {0x08, 'b'}, {0x09, 't'}, {0x0a, 'n'}, {0x0b, 'v'}, {0x0c, 'f'},
	{0x0d, 'r'}, {0x1b, 'e'}, {0x22, '"'}, {0x5c, '\\'}, {0x85, 'N'}, {0xa0, '_'},
	{0x2028, 'L'}, {0x2029, 'P'},
};

static void write_escape(struct emitter *e, const char *s, size_t n, size_t *i)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t w = utf8_width(u[*i]);
	if (*i + w > n)
		w = n - *i;
	unsigned v = w == 1 ? u[*i] : (unsigned)(u[*i] & (0xff >> (w + 1)));
	for (size_t k = 1; k < w; k++)
		v = (v << 6) | (u[*i + k] & 0x3f);
	*i += w;
	put(e, '\\');
	for (size_t k = 0; k < ARRAY_LEN(dq_escapes); k++)
		if (dq_escapes[k].cp == v) {
			put(e, dq_escapes[k].esc);
			return;
		}
	char buf[16];
	int len = v <= 0xff ? snprintf(buf, sizeof buf, "x%02X", v)
		  : v <= 0xffff ? snprintf(buf, sizeof buf, "u%04X", v)
				: snprintf(buf, sizeof buf, "U%08X", v);
	for (int k = 0; k < len; k++)
		put(e, buf[k]);
}

static void write_double(struct emitter *e, const char *s, size_t n, bool allow_breaks)
{
	write_indicator(e, "\"", true, false, false);
	bool spaces = false;
	for (size_t i = 0; i < n;) {
		const unsigned char *u = (const unsigned char *)s;
		bool bom = u[i] == 0xef && i + 2 < n && u[i + 1] == 0xbb && u[i + 2] == 0xbf;
		if (!is_printable_at(s, n, i) || bom || is_break_at(s, n, i) || s[i] == '"' ||
		    s[i] == '\\') {
			write_escape(e, s, n, &i);
			spaces = false;
		} else if (s[i] == ' ') {
			if (allow_breaks && !spaces && e->column > BEST_WIDTH && i != 0 && i != n - 1) {
				write_indent(e);
				if (is_space_at(s, n, i + 1))
					put(e, '\\');
				i++;
			} else {
				write_rune(e, s, n, &i);
			}
			spaces = true;
		} else {
			write_rune(e, s, n, &i);
			spaces = false;
		}
	}
	write_indicator(e, "\"", false, false, false);
	e->whitespace = false;
	e->indention = false;
}

static void write_literal(struct emitter *e, const char *s, size_t n)
{
	write_indicator(e, "|", true, false, false);
	if (s[0] == ' ' || is_break_at(s, n, 0)) {
		char hint[2] = {(char)('0' + BEST_INDENT), 0};
		write_indicator(e, hint, false, false, false);
	}
	size_t i = n - 1;
	while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
		i--;
	const char *chomp = NULL;
	if (!is_break_at(s, n, i)) {
		chomp = "-";
	} else if (i == 0) {
		chomp = "+";
	} else {
		i--;
		while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
			i--;
		if (is_break_at(s, n, i))
			chomp = "+";
	}
	if (chomp)
		write_indicator(e, chomp, false, false, false);
	put_break(e);
	e->indention = true;
	e->whitespace = true;
	bool breaks = true;
	for (size_t k = 0; k < n;) {
		if (is_break_at(s, n, k)) {
			size_t w = s[k] == '\r' || s[k] == '\n' ? 1 : utf8_width((unsigned char)s[k]);
			if (s[k] == '\n' || s[k] == '\r')
				put_break(e);
			else
				sb_add(&e->sb, s + k, w), e->column = 0;
			k += w;
			e->indention = true;
			breaks = true;
		} else {
			if (breaks)
				write_indent(e);
			write_rune(e, s, n, &k);
			e->indention = false;
			breaks = false;
		}
	}
}

enum style { ST_PLAIN, ST_SINGLE, ST_DOUBLE, ST_LITERAL };

static void emit_scalar(struct emitter *e, const char *s, size_t n, bool is_string, bool simple_key)
{
	struct scalar_info si;
	analyze(s, n, &si);
	enum style st = ST_PLAIN;
	if (is_string) {
		if (memchr(s, '\n', n))
			st = ST_LITERAL;
		else if (yaml_str_needs_quotes(s, n))
			st = ST_DOUBLE;
	}
	if (simple_key && si.multiline)
		st = ST_DOUBLE;
	if (st == ST_PLAIN && (!si.block_plain || (n == 0 && simple_key)))
		st = ST_SINGLE;
	if (st == ST_SINGLE && !si.single_ok)
		st = ST_DOUBLE;
	if (st == ST_LITERAL && (!si.block_ok || simple_key))
		st = ST_DOUBLE;
	int saved = e->indent;
	e->indent = e->indent < 0 ? BEST_INDENT : e->indent + BEST_INDENT;
	bool breaks = !simple_key && !e->o->no_fold;
	switch (st) {
	case ST_PLAIN: write_plain(e, s, n, breaks); break;
	case ST_SINGLE: write_single(e, s, n, breaks); break;
	case ST_DOUBLE: write_double(e, s, n, breaks); break;
	case ST_LITERAL: write_literal(e, s, n); break;
	}
	e->indent = saved;
}

/* ---- nodes ---- */

static void emit_node(struct emitter *e, const struct value *v, bool mapping_ctx, bool simple_key,
		      int depth);

static void number_text(struct strbuf *sb, const struct value *v, bool keep_floats)
{
	if (v->type == V_INT) {
		if (v->sub == VS_UINT)
			sb_addf(sb, "%llu", (unsigned long long)v->u.i);
		else
			sb_addf(sb, "%lld", (long long)v->u.i);
		return;
	}
	double f = v->u.f;
	if (isnan(f)) {
		sb_adds(sb, ".nan");
	} else if (isinf(f)) {
		sb_adds(sb, f > 0 ? ".inf" : "-.inf");
	} else if (!keep_floats && f == floor(f) && fabs(f) < 1e21) {
		if (f >= -9.2233720368547758e18 && f < 9.2233720368547758e18)
			sb_addf(sb, "%lld", (long long)f);
		else if (f >= 0 && f < 1.8446744073709552e19)
			sb_addf(sb, "%llu", (unsigned long long)f);
		else
			value_fmt_float_g(sb, f);
	} else {
		value_fmt_float_g(sb, f);
	}
}

static void emit_flow_empty(struct emitter *e, const char *text)
{
	write_indicator(e, text[0] == '{' ? "{" : "[", true, true, false);
	write_indicator(e, text[0] == '{' ? "}" : "]", false, false, false);
}

static void emit_mapping(struct emitter *e, const struct value *v, int depth)
{
	size_t n = v->u.map.len;
	struct vmap_entry *ents = xmalloc(n * sizeof *ents);
	memcpy(ents, v->u.map.e, n * sizeof *ents);
	qsort(ents, n, sizeof *ents, entry_cmp);
	int saved = e->indent;
	e->indent = e->indent < 0 ? 0 : e->indent + BEST_INDENT;
	for (size_t i = 0; i < n; i++) {
		write_indent(e);
		const char *k = ents[i].key;
		size_t kn = strlen(k);
		bool simple = kn <= 128 && !memchr(k, '\n', kn);
		if (simple) {
			emit_scalar(e, k, kn, true, true);
			write_indicator(e, ":", false, false, false);
		} else {
			write_indicator(e, "?", true, false, true);
			emit_scalar(e, k, kn, true, false);
			write_indent(e);
			write_indicator(e, ":", true, false, true);
		}
		emit_node(e, ents[i].val, true, false, depth + 1);
	}
	e->indent = saved;
	free(ents);
}

static void emit_sequence(struct emitter *e, const struct value *v, bool mapping_ctx, int depth)
{
	int saved = e->indent;
	bool indentless = mapping_ctx && !e->indention && !e->o->indent_sequences;
	if (e->indent < 0)
		e->indent = 0;
	else if (!indentless)
		e->indent += BEST_INDENT;
	for (size_t i = 0; i < v->u.list.len; i++) {
		write_indent(e);
		write_indicator(e, "-", true, false, true);
		emit_node(e, v->u.list.items[i], false, false, depth + 1);
	}
	e->indent = saved;
}

static void emit_node(struct emitter *e, const struct value *v, bool mapping_ctx, bool simple_key,
		      int depth)
{
	struct strbuf sb = STRBUF_INIT;
	if (depth > 1000) {
		emit_scalar(e, "null", 4, false, simple_key);
		return;
	}
	switch (v ? v->type : V_NULL) {
	case V_NULL: emit_scalar(e, "null", 4, false, simple_key); break;
	case V_BOOL:
		emit_scalar(e, v->u.b ? "true" : "false", v->u.b ? 4 : 5, false, simple_key);
		break;
	case V_INT:
	case V_FLOAT:
		number_text(&sb, v, e->o->keep_floats);
		emit_scalar(e, sb.buf, sb.len, false, simple_key);
		break;
	case V_STRING:
		if (v->sub == VS_BYTES && !e->o->keep_floats) {
			base64_encode(&sb, v->u.str.s, v->u.str.len);
			emit_scalar(e, sb_str(&sb), sb.len, true, simple_key);
		} else {
			emit_scalar(e, v->u.str.s, v->u.str.len, true, simple_key);
		}
		break;
	case V_LIST:
		if (v->u.list.len == 0)
			emit_flow_empty(e, "[]");
		else
			emit_sequence(e, v, mapping_ctx, depth);
		break;
	case V_MAP:
		if (v->u.map.len == 0)
			emit_flow_empty(e, "{}");
		else
			emit_mapping(e, v, depth);
		break;
	case V_OBJECT: emit_flow_empty(e, "{}"); break;
	}
	sb_done(&sb);
}

char *yaml_emit(const struct value *v, const struct yaml_emit_opts *opts)
{
	static const struct yaml_emit_opts defaults = {0};
	struct emitter e = {.indent = -1, .whitespace = true, .indention = true,
			    .o = opts ? opts : &defaults};
	sb_init(&e.sb);
	emit_node(&e, v, false, false, 0);
	write_indent(&e);
	return sb_detach(&e.sb, NULL);
}
