/* yaml — libyaml events into struct value, resolving scalars the way go-yaml v2 does. */
#include "core/base/yaml.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct anchor {
	char *name;
	struct value *val;
	size_t nodes;
};

struct frame {
	struct value *node;      /* V_LIST or V_MAP under construction */
	char *key;               /* pending map key, NULL when the next scalar is a key */
	int key_line, key_col;
	bool key_is_merge;
	struct value *merges;    /* maps from "<<" to apply after the mapping ends */
	char *anchor;
};

struct loader {
	yaml_parser_t parser;
	const char *name;
	struct yaml_opts opts;
	struct frame *stack;
	size_t depth, cap;
	struct anchor *anchors;
	size_t nanchors;
	size_t alias_nodes;
	struct value *doc;        /* the finished root of the current document */
	bool plain_merge_key;     /* the scalar being attached is a plain "<<" */
	struct yaml_errpos *pos;
	struct tops_err *err;
};

static const char *nm(const struct loader *ld)
{
	return ld->name ? ld->name : "<input>";
}

static int fail_at(struct loader *ld, int code, int line, int col, int go_line, const char *problem)
{
	if (ld->pos) {
		ld->pos->line = line;
		ld->pos->col = col;
		ld->pos->go_line = go_line;
		snprintf(ld->pos->problem, sizeof ld->pos->problem, "%s", problem);
	}
	return tops_err_set(ld->err, code, "%s:%d:%d: %s", nm(ld), line, col, problem);
}

static int parser_fail(struct loader *ld)
{
	yaml_parser_t *p = &ld->parser;
	int go_line = 0;
	if (p->problem_mark.line != 0)
		go_line = (int)p->problem_mark.line + (p->error == YAML_SCANNER_ERROR ? 1 : 0);
	else if (p->context_mark.line != 0)
		go_line = (int)p->context_mark.line;
	char msg[256];
	snprintf(msg, sizeof msg, "%s%s%s", p->problem ? p->problem : "unknown problem parsing YAML content",
		 p->context ? " " : "", p->context ? p->context : "");
	int rc = fail_at(ld, TOPS_EINVAL, (int)p->problem_mark.line + 1, (int)p->problem_mark.column + 1,
			 go_line, msg);
	if (ld->pos)
		snprintf(ld->pos->problem, sizeof ld->pos->problem, "%s",
			 p->problem ? p->problem : "unknown problem parsing YAML content");
	return rc;
}

/* ---- scalar resolution (go-yaml v2) ---- */

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

static const char *const null_words[] = {"", "~", "null", "Null", "NULL", NULL};
static const char *const true_words[] = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE",
					 "on", "On", "ON", NULL};
static const char *const false_words[] = {"n", "N", "no", "No", "NO", "false", "False", "FALSE",
					  "off", "Off", "OFF", NULL};
static const char *const inf_words[] = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", NULL};
static const char *const ninf_words[] = {"-.inf", "-.Inf", "-.INF", NULL};
static const char *const nan_words[] = {".nan", ".NaN", ".NAN", NULL};

/* Go's strconv.ParseInt(s, 0, 64) on s with underscores removed. */
static bool parse_go_int(const char *in, int64_t *out)
{
	char buf[80];
	size_t n = 0;
	for (const char *p = in; *p && n < sizeof buf - 1; p++)
		if (*p != '_')
			buf[n++] = *p;
	buf[n] = 0;
	if (!n || strlen(in) >= sizeof buf)
		return false;
	const char *s = buf;
	bool neg = false;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	int base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16, s += 2;
	else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
		base = 8, s += 2;
	else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
		base = 2, s += 2;
	else if (s[0] == '0' && s[1])
		base = 8, s += 1;
	if (!*s)
		return false;
	for (const char *p = s; *p; p++) {
		int d = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 :
			*p >= 'A' && *p <= 'F' ? *p - 'A' + 10 : 99;
		if (d >= base)
			return false;
	}
	errno = 0;
	unsigned long long u = strtoull(s, NULL, base);
	if (errno || u > (neg ? (unsigned long long)INT64_MAX + 1 : (unsigned long long)INT64_MAX))
		return false;
	*out = neg ? (int64_t)(0 - u) : (int64_t)u;
	return true;
}

/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static bool is_yaml_float(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	int digits = 0;
	if (*s == '.') {
		s++;
		while (*s >= '0' && *s <= '9')
			s++, digits++;
		if (!digits)
			return false;
	} else {
		while (*s >= '0' && *s <= '9')
			s++, digits++;
		if (!digits)
			return false;
		if (*s == '.')
			for (s++; *s >= '0' && *s <= '9'; s++)
				;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == 0;
}

static struct value *num_value(const struct loader *ld, bool is_int, int64_t i, double f)
{
	if (is_int && !ld->opts.numbers_as_float)
		return value_int(i);
	return value_float(is_int ? (double)i : f);
}

static struct value *resolve_plain(const struct loader *ld, const char *s, size_t len)
{
	if (strlen(s) != len)
		return value_strn(s, len);
	if (in_list(s, null_words))
		return value_null();
	if (in_list(s, true_words))
		return value_bool(true);
	if (in_list(s, false_words))
		return value_bool(false);
	if (in_list(s, inf_words))
		return value_float(INFINITY);
	if (in_list(s, ninf_words))
		return value_float(-INFINITY);
	if (in_list(s, nan_words))
		return value_float(NAN);
	int64_t i;
	if ((s[0] >= '0' && s[0] <= '9') || s[0] == '-' || s[0] == '+' || s[0] == '.') {
		if (parse_go_int(s, &i))
			return num_value(ld, true, i, 0);
		char clean[128];
		size_t n = 0;
		for (const char *p = s; *p && n < sizeof clean - 1; p++)
			if (*p != '_')
				clean[n++] = *p;
		clean[n] = 0;
		if (is_yaml_float(clean))
			return num_value(ld, false, 0, strtod(clean, NULL));
	}
	return value_strn(s, len);
}

static bool tag_is(const yaml_char_t *tag, const char *short_name)
{
	if (!tag)
		return false;
	const char *t = (const char *)tag;
	return strcmp(t, short_name) == 0 ||
	       (str_has_prefix(t, "tag:yaml.org,2002:") && strcmp(t + 18, short_name + 2) == 0);
}

static struct value *resolve_scalar(struct loader *ld, const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	const yaml_char_t *tag = ev->data.scalar.tag;
	if (tag_is(tag, "!!str") || tag_is(tag, "!!binary"))
		return value_strn(s, len);
	bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	if (tag && !plain && !tag_is(tag, "!!int") && !tag_is(tag, "!!float") && !tag_is(tag, "!!bool") &&
	    !tag_is(tag, "!!null"))
		return value_strn(s, len);
	if (!plain && !tag)
		return value_strn(s, len);
	return resolve_plain(ld, s, len);
}

/* ---- tree building ---- */

static size_t count_nodes(const struct value *v)
{
	size_t n = 1;
	if (v->type == V_LIST)
		for (size_t i = 0; i < v->u.list.len; i++)
			n += count_nodes(v->u.list.items[i]);
	else if (v->type == V_MAP)
		for (size_t i = 0; i < v->u.map.len; i++)
			n += count_nodes(v->u.map.e[i].val);
	return n;
}

static void remember_anchor(struct loader *ld, const char *name, struct value *v)
{
	if (!name)
		return;
	for (size_t i = 0; i < ld->nanchors; i++)
		if (strcmp(ld->anchors[i].name, name) == 0) {
			value_unref(ld->anchors[i].val);
			ld->anchors[i].val = value_ref(v);
			ld->anchors[i].nodes = count_nodes(v);
			return;
		}
	ld->anchors = xrealloc(ld->anchors, (ld->nanchors + 1) * sizeof *ld->anchors);
	ld->anchors[ld->nanchors++] = (struct anchor){xstrdup(name), value_ref(v), count_nodes(v)};
}

static char *key_string(const struct value *k)
{
	struct strbuf sb = STRBUF_INIT;
	switch (k->type) {
	case V_STRING: sb_add(&sb, k->u.str.s, k->u.str.len); break;
	case V_NULL: sb_adds(&sb, "null"); break;
	case V_BOOL: sb_adds(&sb, k->u.b ? "true" : "false"); break;
	case V_INT: sb_addf(&sb, "%lld", (long long)k->u.i); break;
	case V_FLOAT: value_fmt_float_g(&sb, k->u.f); break;
	default: return NULL;
	}
	return sb_detach(&sb, NULL);
}

static int map_put(struct loader *ld, struct frame *f, struct value *v)
{
	if (f->key_is_merge) {
		f->key_is_merge = false;
		free(f->key);
		f->key = NULL;
		if (v->type != V_MAP && v->type != V_LIST) {
			int rc = fail_at(ld, TOPS_EINVAL, v->line, v->col, v->line,
					 "map merge requires map or sequence of maps as the value");
			value_unref(v);
			return rc;
		}
		if (!f->merges)
			f->merges = value_list();
		value_list_push(f->merges, v);
		return 0;
	}
	/* Merges are applied when the mapping ends, so until then the node holds only the keys
	 * written explicitly. */
	if (value_map_get(f->node, f->key)) {
		if (ld->opts.strict_dup_keys) {
			char msg[160];
			snprintf(msg, sizeof msg, "key \"%.100s\" already set in map", f->key);
			int rc = fail_at(ld, TOPS_EINVAL, f->key_line, f->key_col, f->key_line, msg);
			value_unref(v);
			return rc;
		}
	}
	value_map_set(f->node, f->key, v);
	free(f->key);
	f->key = NULL;
	return 0;
}

/* Adds a finished node to the parent (or makes it the document root). Takes ownership of v. */
static int attach(struct loader *ld, struct value *v, const char *anchor)
{
	remember_anchor(ld, anchor, v);
	if (ld->depth == 0) {
		value_unref(ld->doc);
		ld->doc = v;
		return 0;
	}
	struct frame *f = &ld->stack[ld->depth - 1];
	if (f->node->type == V_LIST) {
		value_list_push(f->node, v);
		return 0;
	}
	if (f->key || f->key_is_merge)
		return map_put(ld, f, v);
	/* v is a key */
	char *k = key_string(v);
	if (!k) {
		int rc = fail_at(ld, TOPS_EINVAL, v->line, v->col, v->line, "complex mapping keys are not supported");
		value_unref(v);
		return rc;
	}
	f->key_is_merge = ld->plain_merge_key;
	f->key = k;
	f->key_line = v->line;
	f->key_col = v->col;
	value_unref(v);
	return 0;
}

static void apply_merges(struct frame *f)
{
	if (!f->merges)
		return;
	/* Later sources in a sequence have lower priority; explicit keys win over all. */
	for (size_t i = 0; i < f->merges->u.list.len; i++) {
		struct value *src = f->merges->u.list.items[i];
		size_t nsrc = src->type == V_LIST ? src->u.list.len : 1;
		for (size_t j = 0; j < nsrc; j++) {
			struct value *m = src->type == V_LIST ? src->u.list.items[j] : src;
			if (m->type != V_MAP)
				continue;
			for (size_t k = 0; k < m->u.map.len; k++)
				if (!value_map_get(f->node, m->u.map.e[k].key))
					value_map_set(f->node, m->u.map.e[k].key, value_copy(m->u.map.e[k].val));
		}
	}
}

static int push(struct loader *ld, struct value *node, const yaml_char_t *anchor)
{
	int max = ld->opts.max_depth ? ld->opts.max_depth : 1000;
	if ((int)ld->depth >= max) {
		int rc = fail_at(ld, TOPS_ETOOBIG, node->line, node->col, node->line,
				 "document nested too deeply (limit reached); refusing to parse");
		value_unref(node);
		return rc;
	}
	if (ld->depth == ld->cap) {
		ld->cap = ld->cap ? ld->cap * 2 : 16;
		ld->stack = xrealloc(ld->stack, ld->cap * sizeof *ld->stack);
	}
	ld->stack[ld->depth++] = (struct frame){
		.node = node,
		.anchor = anchor ? xstrdup((const char *)anchor) : NULL,
	};
	return 0;
}

static void frame_done(struct frame *f)
{
	free(f->key);
	free(f->anchor);
	value_unref(f->merges);
}

static int pop(struct loader *ld)
{
	struct frame f = ld->stack[--ld->depth];
	apply_merges(&f);
	struct value *node = f.node;
	char *anchor = f.anchor;
	f.anchor = NULL;
	frame_done(&f);
	int rc = attach(ld, node, anchor);
	free(anchor);
	return rc;
}

static int on_alias(struct loader *ld, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	int line = (int)ev->start_mark.line + 1, col = (int)ev->start_mark.column + 1;
	for (size_t i = ld->nanchors; i-- > 0;) {
		if (strcmp(ld->anchors[i].name, name) != 0)
			continue;
		size_t max = ld->opts.max_alias_nodes ? ld->opts.max_alias_nodes : 1000000;
		ld->alias_nodes += ld->anchors[i].nodes;
		if (ld->alias_nodes > max)
			return fail_at(ld, TOPS_ETOOBIG, line, col, line,
				       "document contains excessive aliasing (alias expansion limit reached)");
		struct value *v = value_copy(ld->anchors[i].val);
		return attach(ld, v, NULL);
	}
	char msg[160];
	snprintf(msg, sizeof msg, "unknown anchor '%.100s' referenced", name);
	return fail_at(ld, TOPS_EINVAL, line, col, line, msg);
}

static int on_event(struct loader *ld, const yaml_event_t *ev)
{
	int line = (int)ev->start_mark.line + 1, col = (int)ev->start_mark.column + 1;
	struct value *v;
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		v = resolve_scalar(ld, ev);
		ld->plain_merge_key = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
				      ev->data.scalar.length == 2 && memcmp(ev->data.scalar.value, "<<", 2) == 0;
		if (v != value_null())
			v->line = line, v->col = col;
		return attach(ld, v, (const char *)ev->data.scalar.anchor);
	case YAML_SEQUENCE_START_EVENT:
		v = value_list();
		v->line = line, v->col = col;
		return push(ld, v, ev->data.sequence_start.anchor);
	case YAML_MAPPING_START_EVENT:
		v = value_map();
		v->line = line, v->col = col;
		return push(ld, v, ev->data.mapping_start.anchor);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return pop(ld);
	case YAML_ALIAS_EVENT:
		return on_alias(ld, ev);
	default:
		return 0;
	}
}

static void loader_reset_doc(struct loader *ld)
{
	while (ld->depth > 0) {
		struct frame *f = &ld->stack[--ld->depth];
		value_unref(f->node);
		frame_done(f);
	}
	for (size_t i = 0; i < ld->nanchors; i++) {
		free(ld->anchors[i].name);
		value_unref(ld->anchors[i].val);
	}
	free(ld->anchors);
	ld->anchors = NULL;
	ld->nanchors = 0;
	value_unref(ld->doc);
	ld->doc = NULL;
}

static int check_utf8(struct loader *ld, const char *text, size_t len)
{
	long bad = utf8_invalid_at(text, len);
	if (bad < 0)
		return 0;
	int line = 1, col = 1;
	for (long i = 0; i < bad; i++) {
		if (text[i] == '\n')
			line++, col = 1;
		else
			col++;
	}
	return fail_at(ld, TOPS_EINVAL, line, col, line, "invalid UTF-8 in input (the file must be UTF-8 encoded)");
}

static void push_doc(struct value ***docs, size_t *n, struct value *d)
{
	*docs = xrealloc(*docs, (*n + 1) * sizeof **docs);
	(*docs)[(*n)++] = d;
}

int yaml_load_all(const char *text, size_t len, const char *name, const struct yaml_opts *opts,
		  struct value ***docs, size_t *ndocs, struct yaml_errpos *pos, struct tops_err *err)
{
	struct loader ld = {.name = name, .pos = pos, .err = err};
	if (opts)
		ld.opts = *opts;
	*docs = NULL;
	*ndocs = 0;
	if (pos)
		memset(pos, 0, sizeof *pos);
	int rc = check_utf8(&ld, text, len);
	if (rc)
		return rc;
	yaml_parser_initialize(&ld.parser);
	yaml_parser_set_input_string(&ld.parser, (const unsigned char *)text, len);
	for (bool done = false; !done && !rc;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&ld.parser, &ev)) {
			rc = parser_fail(&ld);
			break;
		}
		if (ev.type == YAML_DOCUMENT_START_EVENT) {
			loader_reset_doc(&ld);
			ld.doc = value_null();
		} else if (ev.type == YAML_DOCUMENT_END_EVENT) {
			push_doc(docs, ndocs, ld.doc ? ld.doc : value_null());
			ld.doc = NULL;
		} else if (ev.type == YAML_STREAM_END_EVENT) {
			done = true;
		} else {
			rc = on_event(&ld, &ev);
		}
		yaml_event_delete(&ev);
	}
	loader_reset_doc(&ld);
	free(ld.stack);
	yaml_parser_delete(&ld.parser);
	if (rc) {
		for (size_t i = 0; i < *ndocs; i++)
			value_unref((*docs)[i]);
		free(*docs);
		*docs = NULL;
		*ndocs = 0;
	}
	return rc;
}

struct value *yaml_load(const char *text, size_t len, const char *name, const struct yaml_opts *opts,
			struct yaml_errpos *pos, struct tops_err *err)
{
	if (!text || !len)
		return value_null();
	struct value **docs;
	size_t n;
	if (yaml_load_all(text, len, name, opts, &docs, &n, pos, err))
		return NULL;
	struct value *first = n ? docs[0] : value_null();
	for (size_t i = 1; i < n; i++)
		value_unref(docs[i]);
	free(docs);
	return first;
}

struct value *yaml_load_file(const char *path, const struct yaml_opts *opts, struct tops_err *err)
{
	char *text;
	size_t len;
	if (read_file(path, 64u << 20, &text, &len, err))
		return NULL;
	struct value *v = yaml_load(text, len, path, opts, NULL, err);
	free(text);
	return v;
}
