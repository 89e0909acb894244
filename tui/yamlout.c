/* yamlout — an object's JSON (cJSON) as YAML lines for the YAML view, Secret data masked.
 * yamlout_emit() writes with core/yaml_emit, as `tops get -o yaml` and kubectl do;
 * yamlout_object() is the older writer of this file. */
#include "tui/objview.h"

#include "core/yaml_emit.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

static bool plain_ok(const char *s)
{
	static const char *const reserved[] = {"true", "false", "yes", "no", "on", "off", "null", "~",
					       "True", "False", "Yes", "No", "On", "Off", "Null", "TRUE",
					       "FALSE", "NULL", "y", "n", "Y", "N"};
	if (!*s || strchr("-?:,[]{}#&*!|>'\"%@` ", *s) || s[strlen(s) - 1] == ' ')
		return false;
	if (strstr(s, ": ") || strstr(s, " #") || s[strlen(s) - 1] == ':')
		return false;
	for (size_t i = 0; i < ARRAY_LEN(reserved); i++)
		if (strcmp(s, reserved[i]) == 0)
			return false;
	char *end;
	strtod(s, &end);
	if (*end == 0)
		return false;
	/* YAML 1.1 would read these as timestamps or sexagesimal numbers */
	if (isdigit((unsigned char)s[0]) && strspn(s, "0123456789-:TZ.+ ") == strlen(s))
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

static void scalar_str(struct strbuf *sb, const char *s)
{
	if (plain_ok(s)) {
		sb_adds(sb, s);
		return;
	}
	bool single = false; /* double quotes, as kubectl prints them */
	sb_addc(sb, single ? '\'' : '"');
	for (const char *p = s; *p; p++) {
		if (single)
			sb_adds(sb, *p == '\'' ? "''" : (char[]){*p, 0});
		else if (*p == '"' || *p == '\\')
			sb_addf(sb, "\\%c", *p);
		else if (*p == '\n')
			sb_adds(sb, "\\n");
		else if ((unsigned char)*p < 0x20 || *p == 0x7f)
			sb_addf(sb, "\\x%02x", (unsigned char)*p);
		else
			sb_addc(sb, *p);
	}
	sb_addc(sb, single ? '\'' : '"');
}

static void scalar(struct strbuf *sb, const cJSON *v)
{
	if (cJSON_IsString(v))
		scalar_str(sb, v->valuestring);
	else if (cJSON_IsBool(v))
		sb_adds(sb, cJSON_IsTrue(v) ? "true" : "false");
	else if (cJSON_IsNull(v))
		sb_adds(sb, "null");
	else if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		if (d == floor(d) && fabs(d) < 9e15)
			sb_addf(sb, "%.0f", d);
		else
			sb_addf(sb, "%.17g", d);
	}
}

static bool is_block(const cJSON *v)
{
	return (cJSON_IsObject(v) || cJSON_IsArray(v)) && v->child;
}

static void emit(struct textview *tv, struct strbuf *line, const cJSON *v, int indent, bool mask);

/* A multi-line string becomes a literal block. */
static bool emit_block_string(struct textview *tv, struct strbuf *line, const cJSON *v, int indent)
{
	if (!cJSON_IsString(v) || !strchr(v->valuestring, '\n'))
		return false;
	const char *s = v->valuestring;
	size_t len = strlen(s);
	sb_adds(line, len && s[len - 1] == '\n' ? " |" : " |-");
	tv_add(tv, ROLE_NORMAL, line->buf, line->len);
	while (*s) {
		size_t n = strcspn(s, "\n");
		sb_reset(line);
		sb_addf(line, "%*s%.*s", indent + 2, "", (int)n, s);
		tv_add(tv, ROLE_NORMAL, line->buf, line->len);
		s += n + (s[n] == '\n');
	}
	return true;
}

static void emit_member(struct textview *tv, struct strbuf *line, const cJSON *c, int indent,
			bool mask, bool item_first)
{
	if (!item_first) {
		sb_reset(line);
		sb_addf(line, "%*s", indent, "");
	}
	scalar_str(line, c->string);
	sb_addc(line, ':');
	if (mask && !is_block(c)) {
		sb_adds(line, " \"*****\"");
		tv_add(tv, ROLE_NORMAL, line->buf, line->len);
	} else if (is_block(c)) {
		tv_add(tv, ROLE_NORMAL, line->buf, line->len);
		emit(tv, line, c, cJSON_IsArray(c) ? indent : indent + 2, mask);
	} else if (!emit_block_string(tv, line, c, indent)) {
		sb_addc(line, ' ');
		if (cJSON_IsObject(c) || cJSON_IsArray(c))
			sb_adds(line, cJSON_IsObject(c) ? "{}" : "[]");
		else
			scalar(line, c);
		tv_add(tv, ROLE_NORMAL, line->buf, line->len);
	}
}

static int cmp_member(const void *a, const void *b)
{
	return strcmp((*(const cJSON *const *)a)->string, (*(const cJSON *const *)b)->string);
}

/* Members sorted by key, as kubectl prints them. Caller frees the array. */
static const cJSON **sorted_members(const cJSON *o, size_t *n)
{
	*n = 0;
	for (const cJSON *c = o->child; c; c = c->next)
		(*n)++;
	const cJSON **v = xcalloc(*n ? *n : 1, sizeof *v);
	size_t i = 0;
	for (const cJSON *c = o->child; c; c = c->next)
		v[i++] = c;
	qsort(v, *n, sizeof *v, cmp_member);
	return v;
}

static void emit_object(struct textview *tv, struct strbuf *line, const cJSON *o, int indent,
			bool mask, bool first_on_line)
{
	size_t n;
	const cJSON **m = sorted_members(o, &n);
	for (size_t i = 0; i < n; i++)
		emit_member(tv, line, m[i], indent, mask, first_on_line && i == 0);
	free(m);
}

/* line holds a pending "- " prefix when emitting the first member of a list item. */
static void emit(struct textview *tv, struct strbuf *line, const cJSON *v, int indent, bool mask)
{
	if (cJSON_IsObject(v)) {
		emit_object(tv, line, v, indent, mask, false);
		return;
	}
	for (const cJSON *c = v->child; c; c = c->next) {
		sb_reset(line);
		sb_addf(line, "%*s- ", indent, "");
		if (cJSON_IsObject(c) && c->child) {
			emit_object(tv, line, c, indent + 2, mask, true);
		} else if (cJSON_IsArray(c) && c->child) {
			tv_add(tv, ROLE_NORMAL, line->buf, line->len);
			emit(tv, line, c, indent + 2, mask);
		} else {
			if (cJSON_IsObject(c) || cJSON_IsArray(c))
				sb_adds(line, cJSON_IsObject(c) ? "{}" : "[]");
			else
				scalar(line, c);
			tv_add(tv, ROLE_NORMAL, line->buf, line->len);
		}
	}
}

/* managedFields are noise (kubectl hides them too); a Secret's last-applied annotation would
 * repeat its data in clear. */
static cJSON *tidy_copy(const cJSON *obj, bool secret)
{
	cJSON *o = cJSON_Duplicate(obj, true);
	cJSON *meta = cJSON_GetObjectItemCaseSensitive(o, "metadata");
	cJSON_DeleteItemFromObjectCaseSensitive(meta, "managedFields");
	cJSON *ann = cJSON_GetObjectItemCaseSensitive(meta, "annotations");
	if (secret && cJSON_GetObjectItemCaseSensitive(ann, "kubectl.kubernetes.io/last-applied-configuration"))
		cJSON_ReplaceItemInObjectCaseSensitive(ann, "kubectl.kubernetes.io/last-applied-configuration",
						       cJSON_CreateString("*****"));
	return o;
}

/* A Secret's data and stringData values become "*****" (keys stay). */
static void mask_secret(cJSON *o)
{
	static const char *const fields[] = {"data", "stringData"};
	for (size_t i = 0; i < ARRAY_LEN(fields); i++) {
		cJSON *m = cJSON_GetObjectItemCaseSensitive(o, fields[i]);
		for (cJSON *c = cJSON_IsObject(m) ? m->child : NULL, *next; c; c = next) {
			next = c->next; /* c is freed by the replacement */
			cJSON_ReplaceItemInObjectCaseSensitive(m, c->string, cJSON_CreateString("*****"));
		}
	}
}

void yamlout_emit(struct textview *tv, const cJSON *obj)
{
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(obj, "kind");
	bool secret = cJSON_IsString(kind) && strcmp(kind->valuestring, "Secret") == 0;
	cJSON *o = tidy_copy(obj, secret);
	if (secret)
		mask_secret(o);
	char *json = cJSON_PrintUnformatted(o);
	struct tops_err err = {0};
	struct value *v = json ? value_from_json(json, strlen(json), &err) : NULL;
	char *y = v ? yaml_emit(v, NULL) : NULL;
	if (!y)
		tv_addf(tv, ROLE_ERROR, "cannot show the object as YAML: %s", err.code ? tops_err_msg(&err) : "out of memory");
	for (const char *s = y; s && *s;) {
		size_t n = strcspn(s, "\n");
		tv_add(tv, ROLE_NORMAL, s, n);
		s += n + (s[n] == '\n');
	}
	free(y);
	value_unref(v);
	tops_err_clear(&err);
	cJSON_free(json);
	cJSON_Delete(o);
}

void yamlout_object(struct textview *tv, const cJSON *obj)
{
	struct strbuf line = STRBUF_INIT;
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(obj, "kind");
	bool secret = cJSON_IsString(kind) && strcmp(kind->valuestring, "Secret") == 0;
	cJSON *o = tidy_copy(obj, secret);
	size_t n;
	const cJSON **m = sorted_members(o, &n);
	for (size_t i = 0; i < n; i++) {
		bool mask = secret && (strcmp(m[i]->string, "data") == 0 || strcmp(m[i]->string, "stringData") == 0);
		emit_member(tv, &line, m[i], 0, mask, false);
	}
	free(m);
	cJSON_Delete(o);
	sb_done(&line);
}
