/* jdom — one-pass JSON parser into an arena; strings unescaped in place. */
#include "core/base/jdom.h"

#include <locale.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_NODES 4096

struct block {
	struct block *next;
	uint32_t used, cap;
	struct jd nodes[];
};

struct jdom {
	char *buf;               /* the text, rewritten in place */
	struct block *blocks;
	const struct jd *root;
};

struct parser {
	struct jdom *d;
	char *p, *end;           /* *end == '\0' */
	const char *errwhat;     /* first error, with errpos */
	const char *errpos;
	int depth;
};

static struct jd *node_new(struct parser *ps, uint8_t type)
{
	struct block *b = ps->d->blocks;
	if (!b || b->used == b->cap) {
		b = xmalloc(sizeof *b + BLOCK_NODES * sizeof(struct jd));
		b->used = 0;
		b->cap = BLOCK_NODES;
		b->next = ps->d->blocks;
		ps->d->blocks = b;
	}
	struct jd *n = &b->nodes[b->used++];
	n->key = NULL;
	n->next = NULL;
	n->len = 0;
	n->type = type;
	return n;
}

static bool fail(struct parser *ps, const char *at, const char *what)
{
	if (!ps->errwhat) {
		ps->errwhat = what;
		ps->errpos = at;
	}
	return false;
}

static void skip_ws(struct parser *ps)
{
	char *p = ps->p;
	while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
		p++;
	ps->p = p;
}

/* --- strings --- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static long hex4(const char *p)
{
	long v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexval(p[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

static char *put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xC0 | cp >> 6);
		*o++ = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xE0 | cp >> 12);
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
		*o++ = (char)(0x80 | (cp & 0x3F));
	} else {
		*o++ = (char)(0xF0 | cp >> 18);
		*o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
		*o++ = (char)(0x80 | (cp & 0x3F));
	}
	return o;
}

/* \uXXXX (with a following low surrogate when XXXX is a high one) at p (after the 'u'). Writes
 * UTF-8 at *o (never longer than the escape it replaces). Returns the input consumed, or 0. */
static int unescape_u(const char *p, char **o)
{
	long cp = hex4(p);
	if (cp < 0)
		return 0;
	int used = 4;
	if (cp >= 0xD800 && cp <= 0xDBFF && p[4] == '\\' && p[5] == 'u') {
		long lo = hex4(p + 6);
		if (lo >= 0xDC00 && lo <= 0xDFFF) {
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			used = 10;
		}
	}
	if (cp >= 0xD800 && cp <= 0xDFFF)
		cp = 0xFFFD;
	*o = put_utf8(*o, (uint32_t)cp);
	return used;
}

static const char simple_esc[256] = {
	['"'] = '"', ['\\'] = '\\', ['/'] = '/', ['b'] = '\b',
	['f'] = '\f', ['n'] = '\n', ['r'] = '\r', ['t'] = '\t',
};

/* A string whose opening quote is at ps->p. On success *out is the unescaped, NUL-terminated
 * text (in place) and *len its length. */
static bool parse_string(struct parser *ps, const char **out, uint32_t *len)
{
	char *p = ps->p + 1, *o;
	while ((unsigned char)*p >= 0x20 && *p != '"' && *p != '\\')
		p++;
	o = p;
	while (*p != '"') {
		unsigned char c = (unsigned char)*p;
		if (c == '\\') {
			char e = simple_esc[(unsigned char)p[1]];
			if (e) {
				*o++ = e;
				p += 2;
			} else if (p[1] == 'u') {
				int used = unescape_u(p + 2, &o);
				if (!used)
					return fail(ps, p, "invalid \\u escape in a string");
				p += 2 + used;
			} else {
				return fail(ps, p, "invalid escape in a string");
			}
		} else if (c < 0x20) {
			return fail(ps, p, p >= ps->end ? "unterminated string"
							: "control character in a string (must be escaped)");
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	*out = ps->p + 1;
	*len = (uint32_t)(o - (ps->p + 1));
	ps->p = p + 1;
	return true;
}

/* --- numbers --- */

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
	c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

static bool digits(char **p)
{
	char *s = *p;
	while (**p >= '0' && **p <= '9')
		(*p)++;
	return *p > s;
}

/* Checks the JSON number grammar at ps->p; integers of up to 15 digits are converted directly,
 * everything else through strtod in the C locale. */
static bool parse_number(struct parser *ps, double *out)
{
	char *s = ps->p, *p = s;
	if (*p == '-')
		p++;
	char *int_start = p;
	if (*p == '0')
		p++;
	else if (!digits(&p))
		return fail(ps, s, "invalid number");
	bool plain = true;
	if (*p == '.') {
		p++;
		plain = false;
		if (!digits(&p))
			return fail(ps, p, "invalid number: digits expected after '.'");
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		plain = false;
		if (*p == '+' || *p == '-')
			p++;
		if (!digits(&p))
			return fail(ps, p, "invalid number: digits expected in the exponent");
	}
	if (plain && p - int_start <= 15) {
		int64_t v = 0;
		for (char *q = int_start; q < p; q++)
			v = v * 10 + (*q - '0');
		*out = *s == '-' ? -(double)v : (double)v;
	} else {
		pthread_once(&c_locale_once, c_locale_init);
		char save = *p;
		*p = '\0';
		*out = c_locale ? strtod_l(s, NULL, c_locale) : strtod(s, NULL);
		*p = save;
	}
	ps->p = p;
	return true;
}

/* --- values --- */

static bool parse_value(struct parser *ps, struct jd *n);

static bool parse_member(struct parser *ps, struct jd *c)
{
	uint32_t klen;
	if (*ps->p != '"')
		return fail(ps, ps->p, "a quoted member name expected in an object");
	if (!parse_string(ps, &c->key, &klen))
		return false;
	skip_ws(ps);
	if (*ps->p != ':')
		return fail(ps, ps->p, "':' expected after a member name");
	ps->p++;
	skip_ws(ps);
	return parse_value(ps, c);
}

/* The elements of an array or the members of an object, from its opening bracket on. */
static bool parse_items(struct parser *ps, struct jd *n)
{
	bool obj = n->type == JD_OBJECT;
	char close = obj ? '}' : ']';
	const struct jd **tail = &n->u.child;
	n->u.child = NULL;
	ps->p++;
	skip_ws(ps);
	if (*ps->p == close) {
		ps->p++;
		return true;
	}
	for (;;) {
		struct jd *c = node_new(ps, JD_NULL);
		if (!(obj ? parse_member(ps, c) : parse_value(ps, c)))
			return false;
		*tail = c;
		tail = &c->next;
		n->len++;
		skip_ws(ps);
		if (*ps->p == ',') {
			ps->p++;
			skip_ws(ps);
		} else if (*ps->p == close) {
			ps->p++;
			return true;
		} else {
			return fail(ps, ps->p, obj ? "',' or '}' expected in an object"
						   : "',' or ']' expected in an array");
		}
	}
}

static bool parse_word(struct parser *ps, struct jd *n, const char *w, size_t wl, uint8_t type)
{
	if (strncmp(ps->p, w, wl) != 0)
		return fail(ps, ps->p, "invalid literal (expected a value)");
	ps->p += wl;
	n->type = type;
	return true;
}

static bool parse_value(struct parser *ps, struct jd *n)
{
	switch (*ps->p) {
	case '{':
	case '[':
		if (++ps->depth > JDOM_MAX_DEPTH)
			return fail(ps, ps->p, "nested too deeply");
		n->type = *ps->p == '{' ? JD_OBJECT : JD_ARRAY;
		bool ok = parse_items(ps, n);
		ps->depth--;
		return ok;
	case '"':
		n->type = JD_STRING;
		return parse_string(ps, &n->u.s, &n->len);
	case 't':
		return parse_word(ps, n, "true", 4, JD_TRUE);
	case 'f':
		return parse_word(ps, n, "false", 5, JD_FALSE);
	case 'n':
		return parse_word(ps, n, "null", 4, JD_NULL);
	default:
		n->type = JD_NUMBER;
		if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
			return parse_number(ps, &n->u.num);
		return fail(ps, ps->p, ps->p >= ps->end ? "unexpected end of input" : "a value expected");
	}
}

/* --- documents --- */

static void error_at(const struct parser *ps, struct tops_err *err)
{
	const char *s = ps->d->buf;
	size_t line = 1, col = 1;
	for (const char *q = s; q < ps->errpos; q++) {
		if (*q == '\n') {
			line++;
			col = 1;
		} else if ((*q & 0xC0) != 0x80) {
			col++;
		}
	}
	tops_err_set(err, TOPS_EINVAL, "invalid JSON at line %zu, column %zu (byte %zu): %s", line,
		     col, (size_t)(ps->errpos - s), ps->errwhat);
}

struct jdom *jdom_parse_owned(char *buf, size_t len, struct tops_err *err)
{
	struct jdom *d = xcalloc(1, sizeof *d);
	d->buf = buf;
	buf[len] = '\0';
	struct parser ps = {.d = d, .p = buf, .end = buf + len};
	struct jd *root = node_new(&ps, JD_NULL);
	skip_ws(&ps);
	bool ok = parse_value(&ps, root);
	if (ok) {
		skip_ws(&ps);
		if (ps.p != buf + len)
			ok = fail(&ps, ps.p, ps.p < buf + len && !*ps.p ? "NUL byte in the text"
									   : "text after the JSON value");
	}
	if (!ok) {
		error_at(&ps, err);
		jdom_free(d);
		return NULL;
	}
	d->root = root;
	return d;
}

struct jdom *jdom_parse(const char *text, size_t len, struct tops_err *err)
{
	char *buf = xmalloc(len + 1);
	memcpy(buf, text, len);
	return jdom_parse_owned(buf, len, err);
}

void jdom_free(struct jdom *d)
{
	if (!d)
		return;
	for (struct block *b = d->blocks, *nx; b; b = nx) {
		nx = b->next;
		free(b);
	}
	free(d->buf);
	free(d);
}

const struct jd *jdom_root(const struct jdom *d)
{
	return d->root;
}

/* --- accessors --- */

const struct jd *jd_get(const struct jd *obj, const char *key)
{
	if (!obj || obj->type != JD_OBJECT)
		return NULL;
	for (const struct jd *c = obj->u.child; c; c = c->next)
		if (c->key[0] == key[0] && strcmp(c->key, key) == 0)
			return c;
	return NULL;
}

const struct jd *jd_at(const struct jd *arr, uint32_t i)
{
	if (!arr || arr->type != JD_ARRAY)
		return NULL;
	const struct jd *c = arr->u.child;
	while (c && i--)
		c = c->next;
	return c;
}

const char *jd_str(const struct jd *obj, const char *key)
{
	const struct jd *v = jd_get(obj, key);
	return v && v->type == JD_STRING ? v->u.s : NULL;
}

int64_t jd_int(const struct jd *obj, const char *key, int64_t dflt)
{
	const struct jd *v = jd_get(obj, key);
	if (!v || v->type != JD_NUMBER)
		return dflt;
	if (v->u.num >= 9.2e18)
		return INT64_MAX;
	if (v->u.num <= -9.2e18)
		return INT64_MIN;
	return (int64_t)v->u.num;
}

bool jd_true(const struct jd *obj, const char *key)
{
	const struct jd *v = jd_get(obj, key);
	return v && v->type == JD_TRUE;
}

uint32_t jd_count(const struct jd *v)
{
	return v && v->type >= JD_ARRAY ? v->len : 0;
}

/* --- conversion --- */

static cJSON *scalar_to_cjson(const struct jd *v)
{
	static cJSON *(*const make[])(void) = {[JD_NULL] = cJSON_CreateNull,
					       [JD_FALSE] = cJSON_CreateFalse,
					       [JD_TRUE] = cJSON_CreateTrue};
	if (v->type == JD_NUMBER)
		return cJSON_CreateNumber(v->u.num);
	if (v->type == JD_STRING)
		return cJSON_CreateString(v->u.s);
	return make[v->type]();
}

cJSON *jd_to_cjson(const struct jd *v)
{
	if (!v)
		return NULL;
	if (v->type < JD_ARRAY)
		return scalar_to_cjson(v);
	cJSON *c = v->type == JD_ARRAY ? cJSON_CreateArray() : cJSON_CreateObject();
	cJSON *last = NULL;
	for (const struct jd *e = v->u.child; e; e = e->next) {
		cJSON *x = jd_to_cjson(e);
		if (v->type == JD_OBJECT)
			x->string = xstrdup(e->key);
		if (last) {
			last->next = x;
			x->prev = last;
		} else {
			c->child = x;
		}
		c->child->prev = x;   /* cJSON keeps the tail in the head's prev */
		last = x;
	}
	return c;
}
