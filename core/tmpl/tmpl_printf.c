/* tmpl_printf — Go's fmt verbs and flags over struct value (see core/gofmt.h). */
#include "core/tmpl/gofmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct spec {
	bool minus, plus, sharp, space, zero;
	bool has_wid, has_prec;
	int wid, prec;
	char verb;
};

static void print_arg(struct strbuf *out, struct spec *f, const struct value *v, int depth);

/* ---- UTF-8 and padding ---- */

static size_t rune_count(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			c++;
	return c;
}

static void write_padding(struct strbuf *out, const struct spec *f, int n)
{
	for (int i = 0; i < n; i++)
		sb_addc(out, f->zero ? '0' : ' ');
}

static void pad(struct strbuf *out, const struct spec *f, const char *s, size_t n)
{
	int w = f->has_wid ? f->wid - (int)rune_count(s, n) : 0;
	if (w <= 0) {
		sb_add(out, s, n);
		return;
	}
	if (!f->minus) {
		write_padding(out, f, w);
		sb_add(out, s, n);
	} else {
		sb_add(out, s, n);
		struct spec sp = *f;
		sp.zero = false;
		write_padding(out, &sp, w);
	}
}

static void pad_nozero(struct strbuf *out, const struct spec *f, const char *s, size_t n)
{
	struct spec sp = *f;
	sp.zero = false;
	pad(out, &sp, s, n);
}

static int utf8_dec(const unsigned char *s, size_t n, uint32_t *cp)
{
	int len = s[0] < 0x80 ? 1 : (s[0] >> 5) == 6 ? 2 : (s[0] >> 4) == 14 ? 3 : (s[0] >> 3) == 30 ? 4 : 0;
	if (len == 0 || (size_t)len > n) {
		*cp = 0xFFFD;
		return -1;
	}
	uint32_t v = len == 1 ? s[0] : s[0] & (0x7F >> len);
	for (int i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*cp = 0xFFFD;
			return -1;
		}
		v = (v << 6) | (s[i] & 0x3F);
	}
	if ((len == 2 && v < 0x80) || (len == 3 && v < 0x800) || (len == 4 && v < 0x10000) ||
	    v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
		*cp = 0xFFFD;
		return -1;
	}
	*cp = v;
	return len;
}

/* unicode.IsPrint for the ranges that matter: controls, spaces other than ' ', line and
 * paragraph separators, format characters, surrogates, private use and noncharacters are not
 * printable. (Unassigned code points are treated as printable.) */
bool go_is_print(uint32_t r)
{
	static const struct { uint32_t lo, hi; } np[] = {
		{0x00, 0x1F}, {0x7F, 0xA0}, {0xAD, 0xAD}, {0x600, 0x605}, {0x61C, 0x61C},
		{0x6DD, 0x6DD}, {0x70F, 0x70F}, {0x1680, 0x1680}, {0x180E, 0x180E},
		{0x2000, 0x200F}, {0x2028, 0x202F}, {0x205F, 0x2064}, {0x2066, 0x206F},
		{0x3000, 0x3000}, {0xD800, 0xF8FF}, {0xFDD0, 0xFDEF}, {0xFEFF, 0xFEFF},
		{0xFFF9, 0xFFFB}, {0x110BD, 0x110BD}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A},
		{0xE0001, 0xE0001}, {0xE0020, 0xE007F}, {0xF0000, 0x10FFFF},
	};
	if ((r & 0xFFFE) == 0xFFFE || r > 0x10FFFF)
		return false;
	for (size_t i = 0; i < ARRAY_LEN(np); i++)
		if (r >= np[i].lo && r <= np[i].hi)
			return false;
	return true;
}

static void quote_rune(struct strbuf *out, uint32_t r, char q, bool ascii)
{
	static const struct { uint32_t r; const char *e; } esc[] = {
		{'\a', "\\a"}, {'\b', "\\b"}, {'\f', "\\f"}, {'\n', "\\n"}, {'\r', "\\r"},
		{'\t', "\\t"}, {'\v', "\\v"}, {'\\', "\\\\"},
	};
	if (r == (uint32_t)q) {
		sb_addc(out, '\\');
		sb_addc(out, q);
		return;
	}
	for (size_t i = 0; i < ARRAY_LEN(esc); i++)
		if (esc[i].r == r) {
			sb_adds(out, esc[i].e);
			return;
		}
	if (r < 0x80 ? (r >= 0x20 && r < 0x7F) : (!ascii && go_is_print(r))) {
		sb_add_utf8(out, r);
		return;
	}
	if (r < 0x20 || r == 0x7F)
		sb_addf(out, "\\x%02x", r);
	else if (r < 0x10000)
		sb_addf(out, "\\u%04x", r);
	else
		sb_addf(out, "\\U%08x", r);
}

static void quote_with(struct strbuf *out, const char *s, size_t n, char q, bool ascii)
{
	sb_addc(out, q);
	for (size_t i = 0; i < n;) {
		uint32_t r;
		int len = utf8_dec((const unsigned char *)s + i, n - i, &r);
		if (len < 0) {
			sb_addf(out, "\\x%02x", (unsigned char)s[i]);
			i++;
			continue;
		}
		quote_rune(out, r, q, ascii);
		i += (size_t)len;
	}
	sb_addc(out, q);
}

void go_quote(struct strbuf *out, const char *s, size_t n, bool ascii_only)
{
	quote_with(out, s, n, '"', ascii_only);
}

static bool can_backquote(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint32_t r;
		int len = utf8_dec((const unsigned char *)s + i, n - i, &r);
		if (len < 0 || r == '`' || r == 0xFEFF || (r < ' ' && r != '\t') || r == 0x7F)
			return false;
		i += (size_t)len;
	}
	return true;
}

/* ---- bad verbs ---- */

static void bad_verb(struct strbuf *out, const struct spec *f, const struct value *v)
{
	sb_addf(out, "%%!%c(", f->verb);
	if (!v || v->type == V_NULL) {
		sb_adds(out, "<nil>");
	} else {
		sb_adds(out, value_type_name(v));
		sb_addc(out, '=');
		struct spec vs = {.verb = 'v'};
		print_arg(out, &vs, v, 0);
	}
	sb_addc(out, ')');
}

/* ---- integers ---- */

static void fmt_integer(struct strbuf *out, const struct spec *f, uint64_t u, int base,
			bool is_signed, const char *digits)
{
	bool neg = is_signed && (int64_t)u < 0;
	if (neg)
		u = -u;
	int prec = 0;
	if (f->has_prec) {
		prec = f->prec;
		if (prec == 0 && u == 0) {
			struct spec sp = *f;
			sp.zero = false;
			write_padding(out, &sp, f->has_wid ? f->wid : 0);
			return;
		}
	} else if (f->zero && !f->minus && f->has_wid) {
		prec = f->wid;
		if (neg || f->plus || f->space)
			prec--;
	}
	char buf[160];
	int cap = (int)sizeof buf, i = cap;
	if (prec > cap - 8)
		prec = cap - 8;
	do {
		buf[--i] = digits[u % (uint64_t)base];
		u /= (uint64_t)base;
	} while (u && i > 8);
	while (i > 8 && prec > cap - i)
		buf[--i] = '0';
	if (f->sharp) {
		if (base == 2)
			buf[--i] = 'b', buf[--i] = '0';
		else if (base == 8 && buf[i] != '0')
			buf[--i] = '0';
		else if (base == 16)
			buf[--i] = digits[16], buf[--i] = '0';
	}
	if (f->verb == 'O')
		buf[--i] = 'o', buf[--i] = '0';
	if (neg)
		buf[--i] = '-';
	else if (f->plus)
		buf[--i] = '+';
	else if (f->space)
		buf[--i] = ' ';
	pad_nozero(out, f, buf + i, (size_t)(cap - i));
}

static void fmt_char(struct strbuf *out, const struct spec *f, uint64_t u)
{
	struct strbuf b = STRBUF_INIT;
	sb_add_utf8(&b, u > 0x10FFFF ? 0xFFFD : (uint32_t)u);
	pad(out, f, b.buf, b.len);
	sb_done(&b);
}

static void fmt_qchar(struct strbuf *out, const struct spec *f, uint64_t u)
{
	struct strbuf b = STRBUF_INIT;
	uint32_t r = u > 0x10FFFF ? 0xFFFD : (uint32_t)u;
	if (f->sharp && r < 0x10FFFF && go_is_print(r) && r != '\'') {
		sb_addc(&b, '\'');
		sb_add_utf8(&b, r);
		sb_addc(&b, '\'');
	} else {
		sb_addc(&b, '\'');
		quote_rune(&b, r, '\'', f->plus);
		sb_addc(&b, '\'');
	}
	pad(out, f, b.buf, b.len);
	sb_done(&b);
}

static void fmt_unicode(struct strbuf *out, const struct spec *f, uint64_t u)
{
	struct strbuf b = STRBUF_INIT;
	int prec = f->has_prec && f->prec > 4 ? f->prec : 4;
	sb_addf(&b, "U+%0*llX", prec, (unsigned long long)u);
	if (f->sharp && u <= 0x10FFFF && go_is_print((uint32_t)u)) {
		sb_adds(&b, " '");
		sb_add_utf8(&b, (uint32_t)u);
		sb_addc(&b, '\'');
	}
	pad_nozero(out, f, b.buf, b.len);
	sb_done(&b);
}

static void print_int(struct strbuf *out, const struct spec *f, const struct value *v)
{
	static const char lower[] = "0123456789abcdefx", upper[] = "0123456789ABCDEFX";
	uint64_t u = (uint64_t)v->u.i;
	bool sgn = v->sub != VS_UINT;
	switch (f->verb) {
	case 'v': case 'd': fmt_integer(out, f, u, 10, sgn, lower); break;
	case 'b': fmt_integer(out, f, u, 2, sgn, lower); break;
	case 'o': case 'O': fmt_integer(out, f, u, 8, sgn, lower); break;
	case 'x': fmt_integer(out, f, u, 16, sgn, lower); break;
	case 'X': fmt_integer(out, f, u, 16, sgn, upper); break;
	case 'c': fmt_char(out, f, u); break;
	case 'q': fmt_qchar(out, f, u); break;
	case 'U': fmt_unicode(out, f, u); break;
	default: bad_verb(out, f, v);
	}
}

/* ---- floats ---- */

static void float_text(struct strbuf *b, const struct spec *f, double x, char verb)
{
	if (isinf(x)) {
		sb_adds(b, x > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (isnan(x)) {
		sb_adds(b, "+NaN");
		return;
	}
	if (signbit(x) == 0)
		sb_addc(b, '+');
	if ((verb == 'g' || verb == 'G') && !f->has_prec) {
		size_t at = b->len;
		value_fmt_float_g(b, x);
		if (verb == 'G')
			for (size_t i = at; i < b->len; i++)
				if (b->buf[i] == 'e')
					b->buf[i] = 'E';
		return;
	}
	char cfmt[16];
	int prec = f->has_prec ? f->prec : 6;
	snprintf(cfmt, sizeof cfmt, "%%%s.*%c", f->sharp ? "#" : "", verb == 'F' ? 'f' : verb);
	sb_addf(b, cfmt, prec, x);
}

static void fmt_float(struct strbuf *out, const struct spec *f, double x, char verb)
{
	struct strbuf b = STRBUF_INIT;
	float_text(&b, f, x, verb);
	char *num = b.buf;
	size_t n = b.len;
	if (f->space && num[0] == '+' && !f->plus)
		num[0] = ' ';
	if (num[1] == 'I' || num[1] == 'N') {
		if (num[1] == 'N' && !f->space && !f->plus)
			num++, n--;
		pad_nozero(out, f, num, n);
	} else if (f->plus || num[0] != '+') {
		if (f->zero && !f->minus && f->has_wid && f->wid > (int)n) {
			sb_addc(out, num[0]);
			write_padding(out, f, f->wid - (int)n);
			sb_add(out, num + 1, n - 1);
		} else {
			pad(out, f, num, n);
		}
	} else {
		pad(out, f, num + 1, n - 1);
	}
	sb_done(&b);
}

static void print_float(struct strbuf *out, const struct spec *f, const struct value *v)
{
	switch (f->verb) {
	case 'v': fmt_float(out, f, v->u.f, 'g'); break;
	case 'e': case 'E': case 'f': case 'F': case 'g': case 'G':
		fmt_float(out, f, v->u.f, f->verb);
		break;
	default: bad_verb(out, f, v);
	}
}

/* ---- strings ---- */

static void fmt_hex_str(struct strbuf *out, const struct spec *f, const char *s, size_t n)
{
	const char *digits = f->verb == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
	struct strbuf b = STRBUF_INIT;
	if (f->has_prec && (size_t)f->prec < n)
		n = (size_t)f->prec;
	for (size_t i = 0; i < n; i++) {
		if (f->space && i > 0)
			sb_addc(&b, ' ');
		if (f->sharp && (f->space || i == 0)) {
			sb_addc(&b, '0');
			sb_addc(&b, f->verb == 'X' ? 'X' : 'x');
		}
		sb_addc(&b, digits[(unsigned char)s[i] >> 4]);
		sb_addc(&b, digits[(unsigned char)s[i] & 15]);
	}
	pad(out, f, sb_str(&b), b.len);
	sb_done(&b);
}

static void fmt_str(struct strbuf *out, const struct spec *f, const char *s, size_t n)
{
	if (f->has_prec) {
		size_t runes = 0, i = 0;
		for (; i < n; i++) {
			if (((unsigned char)s[i] & 0xC0) != 0x80) {
				if (runes == (size_t)f->prec)
					break;
				runes++;
			}
		}
		n = i;
	}
	pad(out, f, s, n);
}

static void fmt_q(struct strbuf *out, const struct spec *f, const char *s, size_t n)
{
	struct strbuf b = STRBUF_INIT;
	if (f->sharp && can_backquote(s, n)) {
		sb_addc(&b, '`');
		sb_add(&b, s, n);
		sb_addc(&b, '`');
	} else {
		quote_with(&b, s, n, '"', f->plus);
	}
	pad(out, f, sb_str(&b), b.len);
	sb_done(&b);
}

static void print_string(struct strbuf *out, const struct spec *f, const struct value *v)
{
	const char *s = v->u.str.s;
	size_t n = v->u.str.len;
	switch (f->verb) {
	case 'v': case 's': fmt_str(out, f, s, n); break;
	case 'q': fmt_q(out, f, s, n); break;
	case 'x': case 'X': fmt_hex_str(out, f, s, n); break;
	default: bad_verb(out, f, v);
	}
}

/* Maps can be made to contain themselves (Sprig's set); printing stops at this depth. */
#define PRINT_MAX_DEPTH 256

/* ---- Go syntax (%#v) ---- */

static void go_syntax(struct strbuf *out, const struct value *v, bool top, int depth)
{
	if (depth > PRINT_MAX_DEPTH) {
		sb_adds(out, "...");
		return;
	}
	if (!v || v->type == V_NULL) {
		sb_adds(out, top ? "<nil>" : "interface {}(nil)");
		return;
	}
	switch (v->type) {
	case V_STRING: go_quote(out, v->u.str.s, v->u.str.len, false); return;
	case V_INT:
		if (v->sub == VS_UINT)
			sb_addf(out, "0x%llx", (unsigned long long)v->u.i);
		else
			sb_addf(out, "%lld", (long long)v->u.i);
		return;
	case V_LIST:
		sb_adds(out, value_type_name(v));
		sb_addc(out, '{');
		for (size_t i = 0; i < v->u.list.len; i++) {
			if (i)
				sb_adds(out, ", ");
			go_syntax(out, v->u.list.items[i], false, depth + 1);
		}
		sb_addc(out, '}');
		return;
	case V_MAP:
		sb_adds(out, value_type_name(v));
		sb_addc(out, '{');
		for (size_t i = 0; i < v->u.map.len; i++) {
			if (i)
				sb_adds(out, ", ");
			go_quote(out, v->u.map.e[i].key, strlen(v->u.map.e[i].key), false);
			sb_addc(out, ':');
			go_syntax(out, v->u.map.e[i].val, false, depth + 1);
		}
		sb_addc(out, '}');
		return;
	default:
		tmpl_fmt_value(out, v);
	}
}

/* ---- containers ---- */

static void print_list(struct strbuf *out, struct spec *f, const struct value *v, int depth)
{
	sb_addc(out, '[');
	for (size_t i = 0; i < v->u.list.len; i++) {
		if (i)
			sb_addc(out, ' ');
		print_arg(out, f, v->u.list.items[i], depth + 1);
	}
	sb_addc(out, ']');
}

static void print_map(struct strbuf *out, struct spec *f, const struct value *v, int depth)
{
	sb_adds(out, "map[");
	for (size_t i = 0; i < v->u.map.len; i++) {
		if (i)
			sb_addc(out, ' ');
		struct value key = {.type = V_STRING, .refs = 1};
		key.u.str.s = v->u.map.e[i].key;
		key.u.str.len = strlen(key.u.str.s);
		print_arg(out, f, &key, depth + 1);
		sb_addc(out, ':');
		print_arg(out, f, v->u.map.e[i].val, depth + 1);
	}
	sb_addc(out, ']');
}

static void print_bytes(struct strbuf *out, struct spec *f, const struct value *v)
{
	if (f->verb == 's' || f->verb == 'q' || f->verb == 'x' || f->verb == 'X') {
		print_string(out, f, v);
		return;
	}
	sb_addc(out, '[');
	for (size_t i = 0; i < v->u.str.len; i++) {
		struct value b = {.type = V_INT, .refs = 1, .sub = VS_UINT};
		b.u.i = (unsigned char)v->u.str.s[i];
		if (i)
			sb_addc(out, ' ');
		print_int(out, f, &b);
	}
	sb_addc(out, ']');
}

/* A native object prints through its String method (Go's fmt.Stringer) when it has one. */
static void print_object(struct strbuf *out, struct spec *f, const struct value *v)
{
	struct value *s = NULL;
	struct tops_err err = {0};
	const struct value_object_ops *ops = v->u.obj.ops;
	if (ops->call && ops->call((struct value *)v, "String", NULL, 0, &s, &err) == 0 && s &&
	    s->type == V_STRING && strchr("vsqxX", f->verb)) {
		print_string(out, f, s);
	} else if (f->verb == 'v' || f->verb == 's') {
		struct strbuf b = STRBUF_INIT;
		sb_addf(&b, "&{%s}", ops->type_name);
		pad(out, f, b.buf, b.len);
		sb_done(&b);
	} else {
		bad_verb(out, f, v);
	}
	value_unref(s);
	tops_err_clear(&err);
}

static void print_arg(struct strbuf *out, struct spec *f, const struct value *v, int depth)
{
	if (depth > PRINT_MAX_DEPTH) {
		sb_adds(out, "...");
		return;
	}
	if (f->verb == 'T') {
		const char *t = v ? value_type_name(v) : "<nil>";
		fmt_str(out, f, t, strlen(t));
		return;
	}
	if (f->verb == 'v' && f->sharp) {
		struct strbuf b = STRBUF_INIT;
		go_syntax(&b, v, depth == 0, depth);
		pad(out, f, sb_str(&b), b.len);
		sb_done(&b);
		return;
	}
	if (!v || v->type == V_NULL) {
		if (f->verb == 'v' || depth > 0)
			pad(out, f, "<nil>", 5);
		else
			bad_verb(out, f, v);
		return;
	}
	switch (v->type) {
	case V_BOOL:
		if (f->verb == 't' || f->verb == 'v')
			pad(out, f, v->u.b ? "true" : "false", v->u.b ? 4 : 5);
		else
			bad_verb(out, f, v);
		return;
	case V_INT: print_int(out, f, v); return;
	case V_FLOAT: print_float(out, f, v); return;
	case V_STRING:
		if (v->sub == VS_BYTES)
			print_bytes(out, f, v);
		else
			print_string(out, f, v);
		return;
	case V_LIST: print_list(out, f, v, depth); return;
	case V_MAP: print_map(out, f, v, depth); return;
	default: print_object(out, f, v);
	}
}

void tmpl_fmt_value(struct strbuf *out, const struct value *v)
{
	struct spec f = {.verb = 'v'};
	print_arg(out, &f, v, 0);
}

/* ---- Printf ---- */

struct pstate {
	struct strbuf *out;
	const char *p;
	struct value **args;
	int nargs, argi;
	bool reordered, good_argnum;
};

static int parse_num(const char **p, int *out)
{
	int n = 0, digits = 0;
#ifdef TOPS_FUZZ
	const int max = 10000;
#else
	const int max = 1000000;
#endif
	while (**p >= '0' && **p <= '9' && n < max) {
		n = n * 10 + (*(*p)++ - '0');
		digits++;
	}
	*out = n;
	return digits;
}

/* %[n] explicit argument index. */
static void arg_number(struct pstate *ps)
{
	if (*ps->p != '[')
		return;
	ps->reordered = true;
	const char *q = ps->p + 1;
	int n;
	if (parse_num(&q, &n) && *q == ']' && n >= 1 && n <= ps->nargs) {
		ps->argi = n - 1;
		ps->p = q + 1;
		return;
	}
	ps->good_argnum = false;
	const char *close = strchr(ps->p, ']');
	ps->p = close ? close + 1 : ps->p + 1;
}

static bool int_from_arg(struct pstate *ps, int *out)
{
	if (ps->argi >= ps->nargs)
		return false;
	const struct value *v = ps->args[ps->argi++];
	if (!v || v->type != V_INT || v->u.i > 1000000 || v->u.i < -1000000)
		return false;
	*out = (int)v->u.i;
	return true;
}

static void parse_flags(struct pstate *ps, struct spec *f)
{
	for (;; ps->p++) {
		switch (*ps->p) {
		case '#': f->sharp = true; continue;
		case '0': f->zero = !f->minus; continue;
		case '+': f->plus = true; continue;
		case '-': f->minus = true; f->zero = false; continue;
		case ' ': f->space = true; continue;
		default: return;
		}
	}
}

static void parse_width_prec(struct pstate *ps, struct spec *f)
{
	arg_number(ps);
	if (*ps->p == '*') {
		ps->p++;
		f->has_wid = int_from_arg(ps, &f->wid);
		if (!f->has_wid)
			sb_adds(ps->out, "%!(BADWIDTH)");
		if (f->wid < 0) {
			f->wid = -f->wid;
			f->minus = true;
			f->zero = false;
		}
	} else {
		f->has_wid = parse_num(&ps->p, &f->wid) > 0;
	}
	if (*ps->p == '.') {
		ps->p++;
		arg_number(ps);
		if (*ps->p == '*') {
			ps->p++;
			f->has_prec = int_from_arg(ps, &f->prec);
			if (f->prec < 0)
				f->prec = 0, f->has_prec = false;
			if (!f->has_prec)
				sb_adds(ps->out, "%!(BADPREC)");
		} else {
			parse_num(&ps->p, &f->prec);
			f->has_prec = true;
		}
		arg_number(ps);
	}
}

static void one_verb(struct pstate *ps)
{
	struct spec f = {0};
	ps->good_argnum = true;
	parse_flags(ps, &f);
	parse_width_prec(ps, &f);
	if (!*ps->p) {
		sb_adds(ps->out, "%!(NOVERB)");
		return;
	}
	uint32_t r;
	int len = utf8_dec((const unsigned char *)ps->p, strlen(ps->p), &r);
	if (len < 0)
		len = 1;
	ps->p += len;
	f.verb = r < 0x80 ? (char)r : '?';
	if (r == '%') {
		sb_addc(ps->out, '%');
	} else if (!ps->good_argnum) {
		sb_addf(ps->out, "%%!%c(BADINDEX)", f.verb);
	} else if (ps->argi >= ps->nargs) {
		sb_addf(ps->out, "%%!%c(MISSING)", f.verb);
	} else {
		if (f.verb == 'v' && f.plus)
			f.plus = false;  /* %+v only matters for structs */
		print_arg(ps->out, &f, ps->args[ps->argi++], 0);
	}
}

void tmpl_printf(struct strbuf *out, const char *fmt, struct value **args, int nargs)
{
	struct pstate ps = {.out = out, .p = fmt, .args = args, .nargs = nargs};
	while (*ps.p) {
		const char *pct = strchr(ps.p, '%');
		if (!pct) {
			sb_adds(out, ps.p);
			break;
		}
		sb_add(out, ps.p, (size_t)(pct - ps.p));
		ps.p = pct + 1;
		one_verb(&ps);
	}
	if (!ps.reordered && ps.argi < nargs) {
		sb_adds(out, "%!(EXTRA ");
		for (int i = ps.argi; i < nargs; i++) {
			if (i > ps.argi)
				sb_adds(out, ", ");
			const struct value *v = args[i];
			if (!v || v->type == V_NULL) {
				sb_adds(out, "<nil>");
				continue;
			}
			sb_adds(out, value_type_name(v));
			sb_addc(out, '=');
			tmpl_fmt_value(out, v);
		}
		sb_addc(out, ')');
	}
}

static bool is_str(const struct value *v) { return v && v->type == V_STRING && v->sub != VS_BYTES; }

void tmpl_sprint(struct strbuf *out, struct value **args, int nargs)
{
	for (int i = 0; i < nargs; i++) {
		if (i > 0 && !is_str(args[i]) && !is_str(args[i - 1]))
			sb_addc(out, ' ');
		tmpl_fmt_value(out, args[i]);
	}
}

void tmpl_sprintln(struct strbuf *out, struct value **args, int nargs)
{
	for (int i = 0; i < nargs; i++) {
		if (i > 0)
			sb_addc(out, ' ');
		tmpl_fmt_value(out, args[i]);
	}
	sb_addc(out, '\n');
}
