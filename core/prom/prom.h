/* prom — Prometheus: HTTP API response decoding, the text exposition format (0.0.4) parser, and
 * query presets with $placeholders. Pure functions; the HTTP transport lives in core/promclient. */
#ifndef TOPS_PROM_H
#define TOPS_PROM_H

#include "core/base/value.h"

struct prom_sample {
	double t;   /* seconds since the epoch */
	double v;   /* may be NaN or +-Inf */
};

struct prom_series {
	struct value *labels;          /* V_MAP of label name -> V_STRING, owned */
	struct prom_sample *samples;   /* one for vectors, many for matrices */
	size_t n;
};

enum prom_rtype { PROM_VECTOR, PROM_MATRIX, PROM_SCALAR, PROM_STRING };

struct prom_result {
	enum prom_rtype type;
	struct prom_series *series;    /* vector and matrix */
	size_t nseries;
	struct prom_sample scalar;     /* scalar */
	char *str;                     /* string result */
	char **warnings;
	size_t nwarnings;
};

/* Parses a sample value as Prometheus writes it ("1.5", "NaN", "+Inf", "-Inf"). */
bool prom_parse_float(const char *s, double *out);

/* Decodes an /api/v1/query or /api/v1/query_range body. http_status is the HTTP status (0 when
 * unknown). Error bodies ({"status":"error","errorType":"bad_data","error":"..."}) and HTTP
 * 4xx/5xx become clear messages: "Prometheus rejected the query (bad_data): ...". On success the
 * caller owns *out and frees it with prom_result_done(). */
int prom_decode(const char *body, size_t len, long http_status, struct prom_result *out,
		struct tops_err *err);
void prom_result_done(struct prom_result *r);

/* ---- text exposition format ---- */

enum prom_mtype { PROM_UNTYPED, PROM_COUNTER, PROM_GAUGE, PROM_HISTOGRAM, PROM_SUMMARY };

struct prom_text_sample {
	char *name;                /* full sample name, e.g. foo_bucket */
	struct value *labels;      /* V_MAP, owned */
	double value;
	int64_t ts_ms;             /* 0 when absent */
	bool has_ts;
};

struct prom_family {
	char *name;
	char *help;                /* unescaped; NULL when absent */
	enum prom_mtype type;
	struct prom_text_sample *samples;
	size_t n, cap;
};

struct prom_text {
	struct prom_family *fams;
	size_t n, cap;
};

/* Parses exposition text. Samples are grouped by family (histogram/summary _bucket, _sum,
 * _count, and quantile samples go to their family). Errors name the line and column
 * ("metrics:12:5: invalid label value"). Caller frees with prom_text_done(). Limits: 64 MiB of
 * input, 1024 labels per sample. */
int prom_text_parse(const char *text, size_t len, struct prom_text *out, struct tops_err *err);
void prom_text_done(struct prom_text *t);
const struct prom_family *prom_text_find(const struct prom_text *t, const char *name);

/* ---- query presets ---- */

/* Replaces $namespace, $pod, $pods, $pvc, $rate, ... in tmpl with the values of vars (a V_MAP of
 * strings); longest names first; unknown placeholders are left as they are. Caller frees. */
char *prom_expand(const char *tmpl, const struct value *vars);

struct prom_preset {
	const char *name;   /* cpu, memory, ... */
	const char *query;  /* with placeholders */
};
/* The default query of a preset (Lens's queries, core/prom.c); NULL when unknown. Static. */
const char *prom_preset_query(const char *name);
struct tops_config;
/* The query for a preset name: cfg's override (cfg may be NULL), else the built-in preset.
 * Borrowed. */
const char *prom_query(const struct tops_config *cfg, const char *name);

#endif
