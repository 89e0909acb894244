/* notes — the chart's release notes: the Markdown table of versions and image digests. */
#include "core/doctor/doctor.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { COL_CHART, COL_APP, COL_IMAGE, COL_DIGEST, COL__N };

/* The cells of a table row "| a | b |" (trimmed, backticks removed); NULL when not a row. */
static char **row_cells(const char *line, size_t len, size_t *n, size_t **cols)
{
	while (len && isspace((unsigned char)line[len - 1]))
		len--;
	size_t i = 0;
	while (i < len && isspace((unsigned char)line[i]))
		i++;
	if (i >= len || line[i] != '|')
		return NULL;
	char **v = NULL;
	*n = 0;
	*cols = NULL;
	for (i++; i < len;) {
		size_t s = i;
		while (i < len && line[i] != '|')
			i++;
		size_t a = s, b = i;
		while (a < b && (isspace((unsigned char)line[a]) || line[a] == '`'))
			a++;
		while (b > a && (isspace((unsigned char)line[b - 1]) || line[b - 1] == '`'))
			b--;
		if (i >= len && a == b)
			break;   /* the closing pipe */
		v = xrealloc(v, (*n + 1) * sizeof(*v));
		*cols = xrealloc(*cols, (*n + 1) * sizeof(**cols));
		v[*n] = xstrndup(line + a, b - a);
		(*cols)[(*n)++] = a + 1;
		i++;
	}
	return v;
}

static void cells_free(char **c, size_t n, size_t *cols)
{
	for (size_t i = 0; i < n; i++)
		free(c[i]);
	free(c);
	free(cols);
}

static int header_col(const char *cell)
{
	static const struct { const char *name; int col; } names[] = {
		{"chart", COL_CHART}, {"chart version", COL_CHART}, {"app version", COL_APP},
		{"appversion", COL_APP}, {"version", COL_APP}, {"image", COL_IMAGE},
		{"digest", COL_DIGEST}, {"image digest", COL_DIGEST},
	};
	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		if (strcasecmp(cell, names[i].name) == 0)
			return names[i].col;
	return -1;
}

static bool is_rule_row(char **c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!*c[i] || strspn(c[i], "-: ") != strlen(c[i]))
			return false;
	return n > 0;
}

struct nparse {
	const char *file;
	int idx[COL__N];   /* cell index of each column, -1 absent */
	bool in_table;
	struct doctor_pins *out;
};

static int take_header(struct nparse *p, char **c, size_t n)
{
	for (int k = 0; k < COL__N; k++)
		p->idx[k] = -1;
	for (size_t i = 0; i < n; i++) {
		int k = header_col(c[i]);
		if (k >= 0 && p->idx[k] < 0)
			p->idx[k] = (int)i;
	}
	return p->idx[COL_IMAGE] >= 0 && p->idx[COL_DIGEST] >= 0;
}

static const char *cell(char **c, size_t n, int i) { return i >= 0 && (size_t)i < n ? c[i] : ""; }

static int take_row(struct nparse *p, char **c, size_t n, size_t *cols, int line, struct tops_err *err)
{
	const char *dg = cell(c, n, p->idx[COL_DIGEST]), *img = cell(c, n, p->idx[COL_IMAGE]);
	int at = p->idx[COL_DIGEST];
	if (!*img || !str_has_prefix(dg, "sha256:") || strlen(dg) != 71 ||
	    strspn(dg + 7, "0123456789abcdef") != 64) {
		int col = (size_t)at < n ? (int)cols[at] : 1;
		return tops_err_set(err, TOPS_EINVAL, "%s:%d:%d: %s: a release notes row needs an image and a "
				    "digest \"sha256:\" followed by 64 hex digits", p->file, line, col,
				    *img ? "bad digest" : "no image");
	}
	struct doctor_pins *o = p->out;
	o->v = xrealloc(o->v, (o->n + 1) * sizeof(*o->v));
	o->v[o->n++] = (struct doctor_pin){
		.chart_version = xstrdup(cell(c, n, p->idx[COL_CHART])),
		.app_version = xstrdup(cell(c, n, p->idx[COL_APP])),
		.image = xstrdup(img), .digest = xstrdup(dg),
	};
	return 0;
}

static int take_line(struct nparse *p, const char *l, size_t len, int line, struct tops_err *err)
{
	size_t n, *cols;
	char **c = row_cells(l, len, &n, &cols);
	int rc = 0;
	if (!c) {
		p->in_table = false;
		return 0;
	}
	if (!p->in_table) {
		p->in_table = true;
		if (!take_header(p, c, n))
			p->idx[COL_IMAGE] = -1;   /* another table: skip its rows */
	} else if (!is_rule_row(c, n) && p->idx[COL_IMAGE] >= 0) {
		rc = take_row(p, c, n, cols, line, err);
	}
	cells_free(c, n, cols);
	return rc;
}

int doctor_notes_parse(const char *text, size_t len, const char *file, struct doctor_pins *out,
		       struct tops_err *err)
{
	struct nparse p = {.file = file ? file : "release notes", .out = out};
	memset(out, 0, sizeof(*out));
	out->file = xstrdup(p.file);
	for (int k = 0; k < COL__N; k++)
		p.idx[k] = -1;
	int line = 1, rc = 0;
	for (size_t i = 0; i < len && !rc; line++) {
		const char *e = memchr(text + i, '\n', len - i);
		size_t n = e ? (size_t)(e - (text + i)) : len - i;
		rc = take_line(&p, text + i, n, line, err);
		i += n + 1;
	}
	if (!rc && !out->n)
		rc = tops_err_set(err, TOPS_EINVAL, "%s:1:1: no table with the columns Image and Digest "
				  "(and App version or Chart)", p.file);
	if (rc)
		doctor_pins_done(out);
	return rc;
}

void doctor_pins_done(struct doctor_pins *p)
{
	for (size_t i = 0; p && i < p->n; i++) {
		free(p->v[i].chart_version);
		free(p->v[i].app_version);
		free(p->v[i].image);
		free(p->v[i].digest);
	}
	if (p) {
		free(p->v);
		free(p->file);
		memset(p, 0, sizeof(*p));
	}
}

static bool image_is(const char *pin, const char *image)
{
	if (strcmp(pin, image) == 0)
		return true;
	/* a pin written with its registry ("docker.io/testops/runner") still names the repository */
	size_t lp = strlen(pin), li = strlen(image);
	return lp > li && strcmp(pin + lp - li, image) == 0 && pin[lp - li - 1] == '/';
}

const struct doctor_pin *doctor_pin_find(const struct doctor_pins *p, const char *image,
					 const char *chart_version, const char *app_version)
{
	const struct doctor_pin *first = NULL;
	for (size_t i = 0; p && i < p->n; i++) {
		const struct doctor_pin *v = &p->v[i];
		if (!image_is(v->image, image))
			continue;
		if (!first)
			first = v;
		if (chart_version && *v->chart_version && strcmp(v->chart_version, chart_version) == 0)
			return v;
		if (app_version && !*v->chart_version && strcmp(v->app_version, app_version) == 0)
			return v;
		if (app_version && !chart_version && strcmp(v->app_version, app_version) == 0)
			return v;
	}
	return chart_version || app_version ? NULL : first;
}
