/* validate_output — kubeconform's result writers: text, json, tap, junit, pretty. */
#include "core/validate/validate.h"

#include <stdlib.h>
#include <string.h>

enum ofmt { OF_TEXT, OF_JSON, OF_TAP, OF_JUNIT, OF_PRETTY };
static const char *const fmt_names[] = {
	[OF_TEXT] = "text", [OF_JSON] = "json", [OF_TAP] = "tap", [OF_JUNIT] = "junit", [OF_PRETTY] = "pretty",
};

struct junit_suite {
	char *name;
	int id, tests, failures, errors, skipped;
	struct strbuf cases;
};

struct validate_output {
	enum ofmt fmt;
	FILE *f;
	bool summary, is_stdin, verbose;
	int nvalid, ninvalid, nerrors, nskipped;
	char **files;            /* distinct paths seen (text, pretty) */
	size_t nfiles;
	struct strbuf json;      /* buffered json resources */
	size_t njson;
	struct junit_suite *suites;
	size_t nsuites;
	int tap_index;
	uint64_t start_ms;
};

struct validate_output *validate_output_new(const char *format, FILE *f, bool summary, bool is_stdin,
					    bool verbose, struct tops_err *err)
{
	for (size_t i = 0; i < ARRAY_LEN(fmt_names); i++) {
		if (strcmp(fmt_names[i], format) != 0)
			continue;
		struct validate_output *o = xcalloc(1, sizeof *o);
		o->fmt = (enum ofmt)i;
		o->f = f;
		o->summary = summary;
		o->is_stdin = is_stdin;
		o->verbose = verbose;
		o->start_ms = now_ms();
		return o;
	}
	tops_err_set(err, TOPS_EINVAL, "'%s' is not a valid output format", format);
	return NULL;
}

void validate_output_free(struct validate_output *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->nfiles; i++)
		free(o->files[i]);
	free(o->files);
	sb_done(&o->json);
	for (size_t i = 0; i < o->nsuites; i++) {
		free(o->suites[i].name);
		sb_done(&o->suites[i].cases);
	}
	free(o->suites);
	free(o);
}

static void count(struct validate_output *o, const struct validate_result *r)
{
	int *c[] = {[VAL_EMPTY] = NULL, [VAL_VALID] = &o->nvalid, [VAL_INVALID] = &o->ninvalid,
		    [VAL_ERROR] = &o->nerrors, [VAL_SKIPPED] = &o->nskipped};
	if (c[r->status])
		(*c[r->status])++;
}

static void note_file(struct validate_output *o, const char *path)
{
	for (size_t i = 0; i < o->nfiles; i++)
		if (strcmp(o->files[i], path) == 0)
			return;
	o->files = xrealloc(o->files, (o->nfiles + 1) * sizeof *o->files);
	o->files[o->nfiles++] = xstrdup(path);
}

static const char *s(const char *x)
{
	return x ? x : "";
}

/* ---- text and pretty ---- */

static void write_text(struct validate_output *o, const struct validate_result *r)
{
	FILE *f = o->f;
	switch (r->status) {
	case VAL_VALID:
		if (o->verbose)
			fprintf(f, "%s - %s %s is valid\n", r->path, s(r->kind), s(r->name));
		break;
	case VAL_INVALID:
		fprintf(f, "%s - %s %s is invalid: %s\n", r->path, s(r->kind), s(r->name), s(r->err));
		break;
	case VAL_ERROR:
		if (*s(r->kind) && *s(r->name))
			fprintf(f, "%s - %s %s failed validation: %s\n", r->path, r->kind, r->name, s(r->err));
		else
			fprintf(f, "%s - failed validation: %s\n", r->path, s(r->err));
		break;
	case VAL_SKIPPED:
		if (o->verbose)
			fprintf(f, "%s - %s %s skipped\n", r->path, s(r->name), s(r->kind));
		break;
	case VAL_EMPTY:
		break;
	}
}

#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_RESET "\033[0m"

static void write_pretty(struct validate_output *o, const struct validate_result *r)
{
	FILE *f = o->f;
	bool named = *s(r->kind) && *s(r->name);
	switch (r->status) {
	case VAL_VALID:
		if (o->verbose)
			fprintf(f, C_GREEN "\u2714" C_RESET " %s: " C_GREEN "%s %s is valid" C_RESET "\n", r->path,
				s(r->kind), s(r->name));
		break;
	case VAL_INVALID:
		fprintf(f, C_RED "\u2716" C_RESET " %s: " C_RED "%s %s is invalid: %s" C_RESET "\n", r->path,
			s(r->kind), s(r->name), s(r->err));
		break;
	case VAL_ERROR:
		fprintf(f, C_RED "\u2716" C_RESET " %s: ", r->path);
		if (named)
			fprintf(f, C_RED "%s failed validation: %s %s" C_RESET "\n", r->kind, r->name, s(r->err));
		else
			fprintf(f, C_RED "failed validation: %s %s" C_RESET "\n", s(r->name), s(r->err));
		break;
	case VAL_SKIPPED:
		if (!o->verbose)
			break;
		fprintf(f, C_YELLOW "-" C_RESET " %s: ", r->path);
		if (named)
			fprintf(f, C_YELLOW "%s %s skipped" C_RESET "\n", r->kind, r->name);
		else if (*s(r->kind))
			fprintf(f, C_YELLOW "%s skipped" C_RESET "\n", r->kind);
		else
			fprintf(f, C_YELLOW "skipped" C_RESET "\n");
		break;
	case VAL_EMPTY:
		break;
	}
}

static void summary_line(struct validate_output *o)
{
	int n = o->nvalid + o->ninvalid + o->nerrors + o->nskipped;
	if (o->is_stdin)
		fprintf(o->f, "Summary: %d resource%s found parsing stdin - ", n, n > 1 ? "s" : "");
	else
		fprintf(o->f, "Summary: %d resource%s found in %zu file%s - ", n, n > 1 ? "s" : "", o->nfiles,
			o->nfiles > 1 ? "s" : "");
	fprintf(o->f, "Valid: %d, Invalid: %d, Errors: %d, Skipped: %d\n", o->nvalid, o->ninvalid, o->nerrors,
		o->nskipped);
}

/* ---- json ---- */

/* Go's encoding/json string escaping (HTML-safe). */
static void json_str(struct strbuf *sb, const char *str)
{
	static const char hex[] = "0123456789abcdef";
	sb_addc(sb, '"');
	for (const unsigned char *p = (const unsigned char *)str; *p; p++) {
		unsigned char ch = *p;
		if (ch == '"' || ch == '\\') {
			sb_addc(sb, '\\');
			sb_addc(sb, (char)ch);
		} else if (ch == '\n') {
			sb_adds(sb, "\\n");
		} else if (ch == '\r') {
			sb_adds(sb, "\\r");
		} else if (ch == '\t') {
			sb_adds(sb, "\\t");
		} else if (ch < 0x20 || ch == '<' || ch == '>' || ch == '&') {
			sb_adds(sb, "\\u00");
			sb_addc(sb, hex[ch >> 4]);
			sb_addc(sb, hex[ch & 15]);
		} else if (ch == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9)) {
			sb_adds(sb, p[2] == 0xA8 ? "\\u2028" : "\\u2029");
			p += 2;
		} else {
			sb_addc(sb, (char)ch);
		}
	}
	sb_addc(sb, '"');
}

static void json_field(struct strbuf *sb, const char *indent, const char *key, const char *val, bool comma)
{
	sb_addf(sb, "%s\"%s\": ", indent, key);
	json_str(sb, val);
	sb_adds(sb, comma ? ",\n" : "\n");
}

static void write_json(struct validate_output *o, const struct validate_result *r)
{
	static const char *const st[] = {[VAL_EMPTY] = "", [VAL_VALID] = "statusValid",
					 [VAL_INVALID] = "statusInvalid", [VAL_ERROR] = "statusError",
					 [VAL_SKIPPED] = "statusSkipped"};
	bool shown = r->status == VAL_INVALID || r->status == VAL_ERROR;
	if (!o->verbose && !shown)
		return;
	struct strbuf *sb = &o->json;
	sb_adds(sb, o->njson++ ? ",\n    {\n" : "\n    {\n");
	json_field(sb, "      ", "filename", r->path, true);
	json_field(sb, "      ", "kind", s(r->kind), true);
	json_field(sb, "      ", "name", s(r->name), true);
	json_field(sb, "      ", "version", s(r->version), true);
	json_field(sb, "      ", "status", st[r->status], true);
	json_field(sb, "      ", "msg", shown ? s(r->err) : "", r->nverrs > 0);
	if (r->nverrs) {
		sb_adds(sb, "      \"validationErrors\": [\n");
		for (size_t i = 0; i < r->nverrs; i++) {
			sb_adds(sb, "        {\n");
			json_field(sb, "          ", "path", r->verrs[i].path, true);
			json_field(sb, "          ", "msg", r->verrs[i].msg, false);
			sb_adds(sb, i + 1 < r->nverrs ? "        },\n" : "        }\n");
		}
		sb_adds(sb, "      ]\n");
	}
	sb_adds(sb, "    }");
}

static void flush_json(struct validate_output *o)
{
	fprintf(o->f, "{\n  \"resources\": [%s%s]", sb_str(&o->json), o->njson ? "\n  " : "");
	if (o->summary)
		fprintf(o->f, ",\n  \"summary\": {\n    \"valid\": %d,\n    \"invalid\": %d,\n    \"errors\": %d,\n"
			"    \"skipped\": %d\n  }", o->nvalid, o->ninvalid, o->nerrors, o->nskipped);
	fprintf(o->f, "\n}\n");
}

/* ---- tap ---- */

static void write_tap(struct validate_output *o, const struct validate_result *r)
{
	FILE *f = o->f;
	if (++o->tap_index == 1)
		fprintf(f, "TAP version 13\n");
	char *qn = xasprintf("%s/%s/%s/%s", s(r->version), s(r->kind), s(r->namespace_), s(r->name));
	switch (r->status) {
	case VAL_VALID:
		fprintf(f, "ok %d - %s (%s)\n", o->tap_index, r->path, qn);
		break;
	case VAL_INVALID:
		fprintf(f, "not ok %d - %s (%s): %s\n", o->tap_index, r->path, qn, s(r->err));
		break;
	case VAL_EMPTY:
		fprintf(f, "ok %d - %s (empty)\n", o->tap_index, r->path);
		break;
	case VAL_ERROR:
		fprintf(f, "not ok %d - %s: %s\n", o->tap_index, r->path, s(r->err));
		break;
	case VAL_SKIPPED:
		fprintf(f, "ok %d - %s (%s) # skip\n", o->tap_index, r->path, qn);
		break;
	}
	free(qn);
}

/* ---- junit ---- */

/* Go's xml.EscapeText, used for attribute values. */
static void xml_attr(struct strbuf *sb, const char *str)
{
	for (; *str; str++) {
		switch (*str) {
		case '"': sb_adds(sb, "&#34;"); break;
		case '\'': sb_adds(sb, "&#39;"); break;
		case '&': sb_adds(sb, "&amp;"); break;
		case '<': sb_adds(sb, "&lt;"); break;
		case '>': sb_adds(sb, "&gt;"); break;
		case '\t': sb_adds(sb, "&#x9;"); break;
		case '\n': sb_adds(sb, "&#xA;"); break;
		case '\r': sb_adds(sb, "&#xD;"); break;
		default: sb_addc(sb, *str);
		}
	}
}

static struct junit_suite *suite_for(struct validate_output *o, const char *path)
{
	for (size_t i = 0; i < o->nsuites; i++)
		if (strcmp(o->suites[i].name, path) == 0)
			return &o->suites[i];
	o->suites = xrealloc(o->suites, (o->nsuites + 1) * sizeof *o->suites);
	struct junit_suite *su = &o->suites[o->nsuites++];
	memset(su, 0, sizeof *su);
	su->name = xstrdup(path);
	su->id = (int)o->nsuites;
	return su;
}

static void write_junit(struct validate_output *o, const struct validate_result *r)
{
	struct junit_suite *su = suite_for(o, r->path);
	if (r->status == VAL_EMPTY)
		return;
	struct strbuf *sb = &su->cases;
	sb_adds(sb, "\n    <testcase name=\"");
	if (*s(r->namespace_)) {
		xml_attr(sb, r->namespace_);
		sb_addc(sb, '/');
	}
	xml_attr(sb, s(r->name));
	sb_adds(sb, "\" classname=\"");
	xml_attr(sb, s(r->kind));
	sb_addc(sb, '@');
	xml_attr(sb, s(r->version));
	sb_adds(sb, "\" time=\"0\">");
	const char *child = r->status == VAL_INVALID ? "failure" : r->status == VAL_ERROR ? "error" : NULL;
	if (child) {
		sb_addf(sb, "\n      <%s message=\"", child);
		xml_attr(sb, s(r->err));
		sb_addf(sb, "\" type=\"\"></%s>\n    ", child);
	} else if (r->status == VAL_SKIPPED) {
		sb_adds(sb, "\n      <skipped message=\"\"></skipped>\n    ");
	}
	sb_adds(sb, "</testcase>");
	su->tests++;
	su->failures += r->status == VAL_INVALID;
	su->errors += r->status == VAL_ERROR;
	su->skipped += r->status == VAL_SKIPPED;
}

static void flush_junit(struct validate_output *o)
{
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "<testsuites name=\"kubeconform\" time=\"");
	value_fmt_float_g(&sb, (double)(now_ms() - o->start_ms) / 1000.0);
	sb_addf(&sb, "\" tests=\"%d\" failures=\"%d\" disabled=\"%d\" errors=\"%d\">",
		o->nvalid + o->ninvalid + o->nerrors + o->nskipped, o->ninvalid, o->nskipped, o->nerrors);
	for (size_t i = 0; i < o->nsuites; i++) {
		struct junit_suite *su = &o->suites[i];
		sb_adds(&sb, "\n  <testsuite name=\"");
		xml_attr(&sb, su->name);
		sb_addf(&sb, "\" id=\"%d\" tests=\"%d\" failures=\"%d\" errors=\"%d\" disabled=\"0\" skipped=\"%d\">",
			su->id, su->tests, su->failures, su->errors, su->skipped);
		sb_adds(&sb, sb_str(&su->cases));
		sb_adds(&sb, su->cases.len ? "\n  </testsuite>" : "</testsuite>");
	}
	sb_adds(&sb, o->nsuites ? "\n</testsuites>\n" : "</testsuites>\n");
	fputs(sb_str(&sb), o->f);
	sb_done(&sb);
}

/* ---- dispatch ---- */

void validate_output_write(struct validate_output *o, const struct validate_result *r)
{
	static void (*const writers[])(struct validate_output *, const struct validate_result *) = {
		[OF_TEXT] = write_text, [OF_JSON] = write_json, [OF_TAP] = write_tap,
		[OF_JUNIT] = write_junit, [OF_PRETTY] = write_pretty,
	};
	note_file(o, r->path);
	count(o, r);
	writers[o->fmt](o, r);
}

void validate_output_flush(struct validate_output *o)
{
	switch (o->fmt) {
	case OF_TEXT:
	case OF_PRETTY:
		if (o->summary)
			summary_line(o);
		break;
	case OF_JSON:
		flush_json(o);
		break;
	case OF_TAP:
		fprintf(o->f, "1..%d\n", o->tap_index);
		break;
	case OF_JUNIT:
		flush_junit(o);
		break;
	}
	fflush(o->f);
}
