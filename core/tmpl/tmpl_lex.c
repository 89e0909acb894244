/* tmpl_lex — Go text/template lexer: text, {{ }} actions with trim markers, comments, strings,
 * raw strings, char constants, Go number literals, identifiers, keywords, fields, variables. */
#include "core/tmpl/tmpl_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lexer {
	const char *src;
	size_t len, pos, start;
	int line, start_line;
	size_t line_start, start_line_start;
	int paren;
	bool trim_next;  /* the previous right delimiter had a trim marker */
	struct tmpl_tokens *out;
};

static const struct {
	const char *word;
	enum tok_type type;
} keywords[] = {
	{"block", TK_BLOCK}, {"break", TK_BREAK}, {"continue", TK_CONTINUE}, {"define", TK_DEFINE},
	{"else", TK_ELSE}, {"end", TK_END}, {"if", TK_IF}, {"range", TK_RANGE}, {"nil", TK_NIL},
	{"template", TK_TEMPLATE}, {"with", TK_WITH}, {"true", TK_BOOL}, {"false", TK_BOOL},
};

static bool is_space(int c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static bool is_alnum(int c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (unsigned char)c >= 0x80;
}

static int peekc(const struct lexer *lx, size_t off)
{
	return lx->pos + off < lx->len ? (unsigned char)lx->src[lx->pos + off] : -1;
}

static void advance(struct lexer *lx, size_t n)
{
	for (size_t i = 0; i < n && lx->pos < lx->len; i++) {
		if (lx->src[lx->pos] == '\n') {
			lx->line++;
			lx->line_start = lx->pos + 1;
		}
		lx->pos++;
	}
}

static void mark(struct lexer *lx)
{
	lx->start = lx->pos;
	lx->start_line = lx->line;
	lx->start_line_start = lx->line_start;
}

static void push(struct lexer *lx, enum tok_type t, const char *s, size_t len)
{
	struct tmpl_tokens *o = lx->out;
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 64;
		o->t = xrealloc(o->t, o->cap * sizeof *o->t);
	}
	o->t[o->n++] = (struct tok){t, s, len, lx->start, lx->start_line,
				    (int)(lx->start - lx->start_line_start)};
}

static void emit(struct lexer *lx, enum tok_type t)
{
	push(lx, t, lx->src + lx->start, lx->pos - lx->start);
	mark(lx);
}

static int lex_error(struct lexer *lx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int lex_error(struct lexer *lx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(lx->out->errmsg);
	lx->out->errmsg = xvasprintf(fmt, ap);
	va_end(ap);
	push(lx, TK_ERROR, lx->out->errmsg, strlen(lx->out->errmsg));
	return -1;
}

/* Go's %#U: U+0023 '#'. */
static void fmt_rune_u(char *buf, size_t n, int c)
{
	if (c >= 0x20 && c < 0x7f)
		snprintf(buf, n, "U+%04X '%c'", c, c);
	else
		snprintf(buf, n, "U+%04X", c < 0 ? 0xFFFD : c);
}

static bool at_left_delim(const struct lexer *lx, size_t at)
{
	return at + 1 < lx->len && lx->src[at] == '{' && lx->src[at + 1] == '{';
}

/* A trim-marked right delimiter at `at`: any space, then "-}}". */
static bool trim_right_at(const struct lexer *lx, size_t at)
{
	return at + 4 <= lx->len && is_space((unsigned char)lx->src[at]) &&
	       memcmp(lx->src + at + 1, "-}}", 3) == 0;
}

static bool at_trim_right(const struct lexer *lx)
{
	return trim_right_at(lx, lx->pos);
}

static bool at_right(const struct lexer *lx)
{
	return lx->pos + 2 <= lx->len && memcmp(lx->src + lx->pos, "}}", 2) == 0;
}

/* Left delimiter at `at`: does it carry a trim marker ("{{- ")? */
static bool left_trim_at(const struct lexer *lx, size_t at)
{
	return at + 3 < lx->len && lx->src[at + 2] == '-' && is_space((unsigned char)lx->src[at + 3]);
}

static int lex_comment(struct lexer *lx)
{
	const char *end = memmem(lx->src + lx->pos, lx->len - lx->pos, "*/", 2);
	if (!end)
		return lex_error(lx, "unclosed comment");
	advance(lx, (size_t)(end - (lx->src + lx->pos)) + 2);
	if (at_trim_right(lx)) {
		advance(lx, 4);
		lx->trim_next = true;
	} else if (at_right(lx)) {
		advance(lx, 2);
	} else {
		return lex_error(lx, "comment ends before closing delimiter");
	}
	mark(lx);
	return 0;
}

/* Text up to the next left delimiter; then the delimiter itself. Returns 1 at EOF. */
static int lex_text(struct lexer *lx)
{
	if (lx->trim_next) {
		while (lx->pos < lx->len && is_space((unsigned char)lx->src[lx->pos]))
			advance(lx, 1);
		mark(lx);
		lx->trim_next = false;
	}
	size_t at = lx->pos;
	while (at < lx->len && !at_left_delim(lx, at))
		at++;
	size_t text_end = at;
	bool trim = at < lx->len && left_trim_at(lx, at);
	if (trim)
		while (text_end > lx->pos && is_space((unsigned char)lx->src[text_end - 1]))
			text_end--;
	if (text_end > lx->pos) {
		advance(lx, text_end - lx->pos);
		emit(lx, TK_TEXT);
	}
	advance(lx, at - lx->pos);
	mark(lx);
	if (at >= lx->len)
		return 1;
	advance(lx, trim ? 4 : 2);
	/* A comment must start right after the delimiter (and its trim marker). */
	if (lx->pos + 1 < lx->len && lx->src[lx->pos] == '/' && lx->src[lx->pos + 1] == '*')
		return lex_comment(lx);
	emit(lx, TK_LEFT);
	lx->paren = 0;
	return 2;
}

static bool accept(struct lexer *lx, const char *set)
{
	int c = peekc(lx, 0);
	if (c > 0 && strchr(set, c)) {
		advance(lx, 1);
		return true;
	}
	return false;
}

static void accept_run(struct lexer *lx, const char *set)
{
	while (accept(lx, set))
		;
}

static int lex_number(struct lexer *lx)
{
	const char *digits = "0123456789_";
	accept(lx, "+-");
	if (accept(lx, "0")) {
		if (accept(lx, "xX"))
			digits = "0123456789abcdefABCDEF_";
		else if (accept(lx, "oO"))
			digits = "01234567_";
		else if (accept(lx, "bB"))
			digits = "01_";
	}
	accept_run(lx, digits);
	if (accept(lx, "."))
		accept_run(lx, digits);
	if (strlen(digits) == 11 && accept(lx, "eE")) {
		accept(lx, "+-");
		accept_run(lx, "0123456789_");
	}
	if (strlen(digits) == 23 && accept(lx, "pP")) {
		accept(lx, "+-");
		accept_run(lx, "0123456789_");
	}
	accept(lx, "i");
	if (peekc(lx, 0) >= 0 && is_alnum(peekc(lx, 0))) {
		advance(lx, 1);
		return lex_error(lx, "bad number syntax: \"%.*s\"", (int)(lx->pos - lx->start),
				 lx->src + lx->start);
	}
	emit(lx, TK_NUMBER);
	return 0;
}

static int lex_quote(struct lexer *lx, char q, enum tok_type t, const char *what)
{
	advance(lx, 1);
	for (;;) {
		int c = peekc(lx, 0);
		if (c < 0 || (c == '\n' && q != '`'))
			return lex_error(lx, "unterminated %s", what);
		advance(lx, 1);
		if (c == '\\' && q != '`') {
			c = peekc(lx, 0);
			if (c < 0 || c == '\n')
				return lex_error(lx, "unterminated %s", what);
			advance(lx, 1);
		} else if (c == q) {
			break;
		}
	}
	emit(lx, t);
	return 0;
}

static bool at_terminator(const struct lexer *lx)
{
	int c = peekc(lx, 0);
	if (c < 0 || is_space(c) || strchr(".,|:()", c))
		return true;
	return at_right(lx);
}

/* Consumes letters and digits; the word must end at a terminator (Go's "bad character"). */
static int lex_alnum_run(struct lexer *lx)
{
	while (peekc(lx, 0) >= 0 && is_alnum(peekc(lx, 0)))
		advance(lx, 1);
	if (!at_terminator(lx)) {
		char u[32];
		fmt_rune_u(u, sizeof u, peekc(lx, 0));
		return lex_error(lx, "bad character %s", u);
	}
	return 0;
}

/* .Field, $var, or bare . / $ */
static int lex_field_or_var(struct lexer *lx, enum tok_type t)
{
	advance(lx, 1);
	if (at_terminator(lx)) {
		emit(lx, t == TK_VARIABLE ? TK_VARIABLE : TK_DOT);
		return 0;
	}
	if (lex_alnum_run(lx) < 0)
		return -1;
	emit(lx, t);
	return 0;
}

static int lex_ident(struct lexer *lx)
{
	if (lex_alnum_run(lx) < 0)
		return -1;
	size_t n = lx->pos - lx->start;
	for (size_t i = 0; i < ARRAY_LEN(keywords); i++)
		if (strlen(keywords[i].word) == n && !memcmp(keywords[i].word, lx->src + lx->start, n)) {
			emit(lx, keywords[i].type);
			return 0;
		}
	emit(lx, TK_IDENT);
	return 0;
}

static int lex_space(struct lexer *lx)
{
	size_t e = lx->pos;
	while (e < lx->len && is_space((unsigned char)lx->src[e]))
		e++;
	/* A trim-marked right delimiter starts with a space: leave that space to it. */
	if (trim_right_at(lx, e - 1))
		e--;
	if (e == lx->pos)
		return 0;
	advance(lx, e - lx->pos);
	emit(lx, TK_SPACE);
	return 0;
}

static int lex_right(struct lexer *lx, bool trim)
{
	if (lx->paren > 0)
		return lex_error(lx, "unclosed left paren");
	advance(lx, trim ? 4 : 2);
	if (trim)
		lx->start++;  /* the token is "-}}" minus the space, as in Go */
	emit(lx, TK_RIGHT);
	lx->trim_next = trim;
	return 1;
}

static int lex_punct(struct lexer *lx, int c)
{
	static const struct { char c; enum tok_type t; } simple[] = {
		{'=', TK_ASSIGN}, {'|', TK_PIPE}, {',', TK_CHAR},
	};
	for (size_t i = 0; i < ARRAY_LEN(simple); i++)
		if (simple[i].c == c) {
			advance(lx, 1);
			emit(lx, simple[i].t);
			return 0;
		}
	if (c == ':') {
		if (peekc(lx, 1) != '=')
			return lex_error(lx, "expected :=");
		advance(lx, 2);
		emit(lx, TK_DECLARE);
		return 0;
	}
	if (c == '(' || c == ')') {
		lx->paren += c == '(' ? 1 : -1;
		if (lx->paren < 0)
			return lex_error(lx, "unexpected right paren");
		advance(lx, 1);
		emit(lx, c == '(' ? TK_LPAREN : TK_RPAREN);
		return 0;
	}
	if (c > ' ' && c < 0x7f) {
		advance(lx, 1);
		emit(lx, TK_CHAR);
		return 0;
	}
	char u[32];
	fmt_rune_u(u, sizeof u, c);
	return lex_error(lx, "unrecognized character in action: %s", u);
}

/* One token inside an action. Returns 1 after the right delimiter, -1 on error, 0 otherwise. */
static int lex_action(struct lexer *lx)
{
	if (at_trim_right(lx))
		return lex_right(lx, true);
	if (at_right(lx))
		return lex_right(lx, false);
	int c = peekc(lx, 0);
	if (c < 0)
		return lex_error(lx, "unclosed action");
	if (is_space(c))
		return lex_space(lx);
	if (c == '"')
		return lex_quote(lx, '"', TK_STRING, "quoted string");
	if (c == '`')
		return lex_quote(lx, '`', TK_RAWSTRING, "raw quoted string");
	if (c == '\'')
		return lex_quote(lx, '\'', TK_CHARCONST, "character constant");
	if (c == '$')
		return lex_field_or_var(lx, TK_VARIABLE);
	if (c == '.' && !(peekc(lx, 1) >= '0' && peekc(lx, 1) <= '9'))
		return lex_field_or_var(lx, TK_FIELD);
	if (c == '.' || c == '+' || c == '-' || (c >= '0' && c <= '9'))
		return lex_number(lx);
	if (is_alnum(c))
		return lex_ident(lx);
	return lex_punct(lx, c);
}

void tmpl_lex(const char *src, size_t len, struct tmpl_tokens *out)
{
	struct lexer lx = {.src = src, .len = len, .line = 1, .out = out};
	mark(&lx);
	for (;;) {
		int r = lex_text(&lx);
		if (r < 0)
			return;
		if (r == 1)
			break;
		if (r == 0)
			continue;  /* a comment */
		while ((r = lex_action(&lx)) == 0)
			;
		if (r < 0)
			return;
	}
	mark(&lx);
	emit(&lx, TK_EOF);
}

void tmpl_tokens_done(struct tmpl_tokens *toks)
{
	free(toks->t);
	free(toks->errmsg);
	memset(toks, 0, sizeof *toks);
}

/* ---- literals ---- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One escape after the backslash at *p; appends bytes. Returns -1 on bad syntax. */
static int unescape(const char **p, const char *end, char q, struct strbuf *out)
{
	static const char simple_in[] = "abfnrtv\\";
	static const char simple_out[] = "\a\b\f\n\r\t\v\\";
	if (*p >= end)
		return -1;
	char c = *(*p)++;
	const char *k = strchr(simple_in, c);
	if (k && c) {
		sb_addc(out, simple_out[k - simple_in]);
		return 0;
	}
	if (c == q && (q == '"' || q == '\'')) {
		sb_addc(out, c);
		return 0;
	}
	int ndig = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : 0;
	uint32_t v = 0;
	if (ndig) {
		for (int i = 0; i < ndig; i++) {
			if (*p >= end || hexval(**p) < 0)
				return -1;
			v = v * 16 + (uint32_t)hexval(*(*p)++);
		}
		if (c == 'x')
			sb_addc(out, (char)v);
		else if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
			return -1;
		else
			sb_add_utf8(out, v);
		return 0;
	}
	if (c >= '0' && c <= '7') {
		v = (uint32_t)(c - '0');
		for (int i = 0; i < 2; i++) {
			if (*p >= end || **p < '0' || **p > '7')
				return -1;
			v = v * 8 + (uint32_t)(*(*p)++ - '0');
		}
		if (v > 255)
			return -1;
		sb_addc(out, (char)v);
		return 0;
	}
	return -1;
}

int tmpl_unquote(const char *s, size_t len, struct strbuf *out)
{
	if (len < 2 || s[0] != s[len - 1])
		return -1;
	char q = s[0];
	const char *p = s + 1, *end = s + len - 1;
	if (q == '`') {
		for (; p < end; p++)
			if (*p != '\r')
				sb_addc(out, *p);
		return 0;
	}
	if (q != '"' && q != '\'')
		return -1;
	while (p < end) {
		if (*p == '\\') {
			p++;
			if (unescape(&p, end, q, out) < 0)
				return -1;
		} else if (*p == q || *p == '\n') {
			return -1;
		} else {
			sb_addc(out, *p++);
		}
	}
	return 0;
}

int tmpl_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	int len = s[0] < 0x80 ? 1 : (s[0] >> 5) == 6 ? 2 : (s[0] >> 4) == 14 ? 3 : (s[0] >> 3) == 30 ? 4 : 0;
	if (len == 0 || (size_t)len > n) {
		*cp = 0xFFFD;
		return 1;
	}
	uint32_t v = len == 1 ? s[0] : s[0] & (0x7F >> len);
	for (int i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*cp = 0xFFFD;
			return 1;
		}
		v = (v << 6) | (s[i] & 0x3F);
	}
	*cp = v;
	return len;
}

static int char_constant(const char *s, size_t len, struct tmpl_number *n, struct strbuf *err)
{
	struct strbuf b = STRBUF_INIT;
	uint32_t cp = 0;
	if (tmpl_unquote(s, len, &b) < 0 || b.len == 0) {
		sb_done(&b);
		sb_adds(err, "invalid syntax");  /* strconv.ErrSyntax, as Go reports it */
		return -1;
	}
	bool esc_byte = len >= 4 && s[1] == '\\' && (s[2] == 'x' || (s[2] >= '0' && s[2] <= '7'));
	int used = esc_byte ? 1 : tmpl_utf8_decode((const unsigned char *)b.buf, b.len, &cp);
	if (esc_byte)
		cp = (unsigned char)b.buf[0];
	bool whole = (size_t)used == b.len;
	sb_done(&b);
	if (!whole) {
		sb_addf(err, "malformed character constant: %.*s", (int)len, s);
		return -1;
	}
	*n = (struct tmpl_number){true, true, true, cp, cp, cp};
	return 0;
}

/* Go's strconv underscoreOK: underscores only between digits (or after a base prefix). */
static bool underscore_ok(const char *s)
{
	char saw = '^';
	size_t i = 0;
	if (*s == '+' || *s == '-')
		s++;
	bool hex = false;
	if (s[0] == '0' && s[1] && strchr("bBoOxX", s[1])) {
		hex = s[1] == 'x' || s[1] == 'X';
		i = 2;
		saw = '0';
	}
	for (; s[i]; i++) {
		char c = s[i];
		if ((c >= '0' && c <= '9') || (hex && hexval(c) >= 0)) {
			saw = '0';
		} else if (c == '_') {
			if (saw != '0')
				return false;
			saw = '_';
		} else {
			if (saw == '_')
				return false;
			saw = '!';
		}
	}
	return saw != '_';
}

/* strconv.ParseUint(s, 0, 64) on an unsigned literal without underscores. */
static bool parse_uint0(const char *s, uint64_t *out)
{
	int base = 10;
	if (s[0] == '0' && s[1]) {
		base = 8;
		s++;
		if (*s == 'x' || *s == 'X')
			base = 16, s++;
		else if (*s == 'o' || *s == 'O')
			s++;
		else if (*s == 'b' || *s == 'B')
			base = 2, s++;
	}
	if (!*s)
		return false;
	uint64_t v = 0;
	for (; *s; s++) {
		int d = hexval(*s);
		if (d < 0 || d >= base)
			return false;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return false;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	*out = v;
	return true;
}

static void number_ints(const char *clean, struct tmpl_number *n)
{
	bool neg = clean[0] == '-';
	const char *digits = clean + (clean[0] == '-' || clean[0] == '+');
	uint64_t u;
	if (!parse_uint0(digits, &u))
		return;
	if (!neg) {
		n->is_uint = true;
		n->u = u;
		if (u <= INT64_MAX) {
			n->is_int = true;
			n->i = (int64_t)u;
		}
	} else if (u <= (uint64_t)INT64_MAX + 1) {
		n->is_int = true;
		n->i = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
		if (u == 0)
			n->is_uint = true;
	}
}

static bool is_hex(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	return s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
}

/* The float reading of a literal that is not an integer. 0, or -1 with err set. */
static int number_float(const char *clean, const char *raw, struct tmpl_number *n, struct strbuf *err)
{
	char *endp;
	bool hex = is_hex(clean);
	errno = 0;
	double f = strtod(clean, &endp);
	if (*endp || endp == clean || (errno == ERANGE && isinf(f)) ||
	    (hex && strpbrk(clean, ".") && !strpbrk(clean, "pP"))) {
		sb_addf(err, "illegal number syntax: \"%s\"", raw);
		return -1;
	}
	if (!strpbrk(clean, ".eEpP") || (hex && !strpbrk(clean, "pP"))) {
		sb_addf(err, "integer overflow: \"%s\"", raw);
		return -1;
	}
	n->is_float = true;
	n->f = f;
	if (f == trunc(f) && fabs(f) < 9.2e18) {
		n->is_int = true;
		n->i = (int64_t)f;
		if (f >= 0) {
			n->is_uint = true;
			n->u = (uint64_t)f;
		}
	}
	return 0;
}

int tmpl_parse_number(const char *s, size_t len, bool is_char, struct tmpl_number *n,
		      struct strbuf *err)
{
	memset(n, 0, sizeof *n);
	if (is_char)
		return char_constant(s, len, n, err);
	char *raw = xstrndup(s, len), *clean = xmalloc(len + 1);
	size_t k = 0;
	for (size_t i = 0; i < len; i++)
		if (raw[i] != '_')
			clean[k++] = raw[i];
	clean[k] = 0;
	int rc = 0;
	if (len && raw[len - 1] == 'i') {
		sb_addf(err, "complex numbers are not supported: \"%s\"", raw);
		rc = -1;
	} else if (!underscore_ok(raw)) {
		sb_addf(err, "illegal number syntax: \"%s\"", raw);
		rc = -1;
	} else {
		number_ints(clean, n);
		if (n->is_int || n->is_uint) {
			n->is_float = true;
			n->f = n->is_int ? (double)n->i : (double)n->u;
		} else {
			rc = number_float(clean, raw, n, err);
		}
	}
	free(raw);
	free(clean);
	return rc;
}
