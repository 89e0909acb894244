/* tops bluegreen deploy|promote|abort|status — blue/green releases (core/bluegreen) with
 * Prometheus gates (core/gate). */
#include "cli/commands.h"
#include "cli/release_cli.h"

#include "core/base/config.h"
#include "core/base/options.h"
#include "core/base/yaml.h"
#include "core/bluegreen/bluegreen.h"
#include "cli/gate_cli.h"
#include "core/release/rest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

struct bg_args {
	const char *sub, *pos[2];
	int npos;
	struct val_flag *vflags;
	size_t nvflags;
	const char **gates;
	size_t ngates;
	struct value *args;
	const char *color, *auto_promote, *scale_down, *preview_host, *host, *timeout, *output;
	bool keep_old, help, auto_flag;
};

static void usage(FILE *f)
{
	fputs("Usage:\n"
	      "  tops bluegreen deploy NAME CHART [-f FILE]... [--set K=V]... [--color auto|blue|green]\n"
	      "                        [--gate FILE]... [--arg K=V]... [--auto-promote[=DURATION]]\n"
	      "                        [--scale-down-delay 30s] [--host HOST] [--preview-host HOST]\n"
	      "                        [--timeout 10m] [--keep-old]\n"
	      "  tops bluegreen promote NAME   switch traffic to the new colour (one write), run the\n"
	      "                                post-promotion gates, then retire the old colour\n"
	      "  tops bluegreen abort NAME     switch back if promoted (one write); remove the new colour\n"
	      "  tops bluegreen status NAME [-o table|json|yaml]\n"
	      "\n"
	      "Each colour is its own release NAME-blue / NAME-green (chart value color). Traffic goes\n"
	      "through Service NAME (and Ingress NAME with --host), which selects the live colour and\n"
	      "carries the annotation tops/live-color; Service NAME-preview selects the new colour.\n"
	      "A colour-less release NAME is adopted as blue on the first deploy, without a restart.\n"
	      "\n"
	      "Flags:\n"
	      "  -f, --values FILE, --set K=V, --set-string K=V, --set-file K=F, --set-json K=J\n"
	      "                              the new colour's values, as for tops upgrade\n"
	      "  --color C                   the colour to deploy (default auto: the one not live)\n"
	      "  --gate FILE                 a gate file or an Argo AnalysisTemplate (repeatable); its\n"
	      "                              metrics run before promotion (against the new colour) and\n"
	      "                              after it (against the live one)\n"
	      "  --arg K=V                   an AnalysisTemplate argument (repeatable)\n"
	      "  --auto-promote[=DURATION]   promote when the gates pass (after DURATION)\n"
	      "  --scale-down-delay D        the old colour stays up this long after promotion (30s)\n"
	      "  --keep-old                  scale the old colour to zero but keep its release\n"
	      "  --host HOST                 the live host (Ingress NAME); default the chart's ingress.host\n"
	      "  --preview-host HOST         Ingress NAME-preview for the new colour\n"
	      "  --timeout D                 bound on each colour's wait (10m)\n"
	      "  -o, --output F              status: table, json or yaml\n"
	      "\n"
	      "Prometheus: --prometheus URL or the config's prometheus.url, else an AnalysisTemplate's\n"
	      "address, else discovery in the cluster. Exit status: 0 done or waiting for promote,\n"
	      "1 failed, aborted by a gate or paused on an inconclusive gate, 2 usage.\n", f);
}

static const char *const value_flags[] = {"-f", "--values", "--set", "--set-string", "--set-file", "--set-json", "--set-literal"};

static int take(struct bg_args *a, const char *flag, const char *val)
{
	for (size_t i = 0; i < ARRAY_LEN(value_flags); i++)
		if (!strcmp(flag, value_flags[i])) {
			a->vflags = xrealloc(a->vflags, (a->nvflags + 1) * sizeof *a->vflags);
			a->vflags[a->nvflags++] = (struct val_flag){i == 0 ? "--values" : value_flags[i], val};
			return 0;
		}
	if (!strcmp(flag, "--gate")) {
		a->gates = xrealloc(a->gates, (a->ngates + 1) * sizeof *a->gates);
		a->gates[a->ngates++] = val;
	} else if (!strcmp(flag, "--arg")) {
		const char *eq = strchr(val, '=');
		if (!eq || eq == val)
			return fprintf(stderr, "tops: --arg wants NAME=VALUE, not \"%s\"\n", val), -1;
		char *k = xstrndup(val, (size_t)(eq - val));
		value_map_set(a->args, k, value_str(eq + 1));
		free(k);
	} else {
		static const struct { const char *flag; size_t off; } strs[] = {
			{"--color", offsetof(struct bg_args, color)}, {"--scale-down-delay", offsetof(struct bg_args, scale_down)},
			{"--preview-host", offsetof(struct bg_args, preview_host)}, {"--host", offsetof(struct bg_args, host)},
			{"--timeout", offsetof(struct bg_args, timeout)}, {"--output", offsetof(struct bg_args, output)},
			{"-o", offsetof(struct bg_args, output)}, {"--auto-promote", offsetof(struct bg_args, auto_promote)}};
		for (size_t i = 0; i < ARRAY_LEN(strs); i++)
			if (!strcmp(flag, strs[i].flag))
				return *(const char **)((char *)a + strs[i].off) = val, 0;
		return fprintf(stderr, "tops: bluegreen: unknown flag %s\n", flag), -1;
	}
	return 0;
}

static bool wants_value(const char *f)
{
	return strcmp(f, "--keep-old") && strcmp(f, "--auto-promote") && strcmp(f, "--help") && strcmp(f, "-h");
}

static int parse(int argc, char **argv, struct bg_args *a)
{
	*a = (struct bg_args){.args = value_map()};
	for (int i = 0; i < argc; i++) {
		char *arg = argv[i], *eq = arg[0] == '-' && arg[1] == '-' ? strchr(arg, '=') : NULL;
		if (arg[0] != '-') {
			if (!a->sub)
				a->sub = arg;
			else if (a->npos < 2)
				a->pos[a->npos++] = arg;
			else
				return fprintf(stderr, "tops: bluegreen: unexpected argument %s\n", arg), -1;
			continue;
		}
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			a->help = true;
			continue;
		}
		if (!strcmp(arg, "--keep-old")) {
			a->keep_old = true;
			continue;
		}
		char *flag = eq ? xstrndup(arg, (size_t)(eq - arg)) : xstrdup(arg);
		const char *val = eq ? eq + 1 : NULL;
		if (!strcmp(flag, "--auto-promote"))
			a->auto_flag = true, val = val ? val : "0s";
		else if (!val && wants_value(flag) && i + 1 < argc)
			val = argv[++i];
		int rc = val ? take(a, flag, val) : (fprintf(stderr, "tops: %s needs a value\n", flag), -1);
		free(flag);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- status ---- */

static const char *s_of(const struct value *v, const char *path)
{
	const struct value *x = value_map_path(v, path);
	return x && x->type == V_STRING ? x->u.str.s : "";
}

static void print_gates(const struct value *st)
{
	const char *keys[] = {"pre", "post"};
	bool header = false;
	for (size_t k = 0; k < 2; k++) {
		const struct value *runs = value_map_get(st, keys[k]);
		for (size_t i = 0; runs && runs->type == V_LIST && i < runs->u.list.len; i++) {
			const struct value *run = runs->u.list.items[i], *ms = value_map_get(run, "metrics");
			for (size_t j = 0; ms && ms->type == V_LIST && j < ms->u.list.len; j++) {
				const struct value *m = ms->u.list.items[j], *meas = value_map_get(m, "measurements");
				if (!header)
					printf("\nGATES\n%-5s %-14s %-16s %-13s %-5s %s\n", "WHEN", "GATE", "METRIC", "PHASE", "N", "VALUES (oldest first)"), header = true;
				printf("%-5s %-14s %-16s %-13s %-5zu", keys[k], s_of(run, "gate"), s_of(m, "name"), s_of(m, "phase"),
				       meas && meas->type == V_LIST ? meas->u.list.len : 0);
				for (size_t t = 0; meas && meas->type == V_LIST && t < meas->u.list.len; t++) {
					const struct value *x = value_map_get(meas->u.list.items[t], "value");
					const char *ph = s_of(meas->u.list.items[t], "phase");
					if (x && (x->type == V_FLOAT || x->type == V_INT))
						printf(" %.4g%s", x->type == V_FLOAT ? x->u.f : (double)x->u.i, *ph == 'S' ? "" : ph[0] == 'F' ? "!" : "?");
					else
						printf(" -%s", *ph == 'E' ? "E" : "");
				}
				printf("\n");
				if (*s_of(m, "message"))
					printf("      %s\n", s_of(m, "message"));
			}
		}
	}
}

static void print_status(const struct value *st)
{
	printf("NAME: %s\nNAMESPACE: %s\nSTEP: %s\n", s_of(st, "name"), s_of(st, "namespace"), s_of(st, "step"));
	if (*s_of(st, "message"))
		printf("MESSAGE: %s\n", s_of(st, "message"));
	if (value_truthy(value_map_get(st, "interrupted")))
		printf("INTERRUPTED: the operation stopped at %s and no tops holds the release; "
		       "`tops bluegreen promote %s` continues it, `tops bluegreen abort %s` reverts it\n",
		       s_of(st, "step"), s_of(st, "name"), s_of(st, "name"));
	if (value_truthy(value_map_get(st, "running")))
		printf("RUNNING: held by %s\n", s_of(st, "holder"));
	if (*s_of(st, "router.service"))
		printf("ROUTER: Service %s -> %s (%s)\n", s_of(st, "router.service"), s_of(st, "router.color"), s_of(st, "router.release"));
	if (*s_of(st, "preview.service"))
		printf("PREVIEW: Service %s -> %s (%s)\n", s_of(st, "preview.service"), s_of(st, "preview.color"), s_of(st, "preview.release"));
	printf("\n%-6s %-20s %-5s %-36s %-6s %s\n", "COLOR", "RELEASE", "LIVE", "WORKLOAD", "READY", "IMAGE");
	const struct value *cs = value_map_get(st, "colors");
	for (size_t i = 0; cs && cs->type == V_LIST && i < cs->u.list.len; i++) {
		const struct value *c = cs->u.list.items[i], *ws = value_map_get(c, "workloads");
		const char *live = !strcmp(s_of(c, "color"), s_of(st, "router.color")) ? "yes" : "";
		if (!ws || ws->type != V_LIST || !ws->u.list.len)
			printf("%-6s %-20s %-5s %s\n", s_of(c, "color"), *s_of(c, "release") ? s_of(c, "release") : "-", live, "-");
		for (size_t j = 0; ws && ws->type == V_LIST && j < ws->u.list.len; j++) {
			const struct value *w = ws->u.list.items[j];
			char ready[32];
			snprintf(ready, sizeof ready, "%lld/%lld", (long long)value_map_get(w, "ready")->u.i,
				 (long long)value_map_get(w, "replicas")->u.i);
			printf("%-6s %-20s %-5s %-36s %-6s %s\n", j ? "" : s_of(c, "color"), j ? "" : s_of(c, "release"),
			       j ? "" : live, s_of(w, "name"), ready, s_of(w, "image"));
		}
	}
	print_gates(st);
}

static int do_status(struct kube_client *kc, const struct bg_args *a)
{
	struct value *st = NULL;
	struct tops_err err = {0};
	if (bg_status(kc, rel_namespace(kc), a->pos[0], &st, &err) < 0) {
		fprintf(stderr, "tops: %s\n", tops_err_msg(&err));
		tops_err_clear(&err);
		return 1;
	}
	int rc = 0;
	if (a->output && strcmp(a->output, "table"))
		rc = rel_print_value(st, a->output);
	else
		print_status(st);
	value_unref(st);
	return rc;
}

/* ---- the mutating subcommands ---- */

/* The live host: --host, else ingress.host of the values (the user's, then the chart's). */
static const char *host_of(const struct bg_args *a, const struct value *user, struct value **chart_vals)
{
	if (a->host)
		return a->host;
	const struct value *h = value_map_path(user, "ingress.host");
	if (h && h->type == V_STRING)
		return h->u.str.s;
	char *path = xasprintf("%s/values.yaml", a->pos[1]);
	struct tops_err err = {0};
	*chart_vals = yaml_load_file(path, NULL, &err);
	free(path);
	tops_err_clear(&err);
	const struct value *en = value_map_path(*chart_vals, "ingress.enabled");
	h = value_map_path(*chart_vals, "ingress.host");
	return h && h->type == V_STRING && *h->u.str.s && !(en && en->type == V_BOOL && !en->u.b) ? h->u.str.s : NULL;
}

static int load_gates(const struct bg_args *a, struct bg_gate_src *g, char **texts)
{
	for (size_t i = 0; i < a->ngates; i++) {
		size_t len = 0;
		struct tops_err err = {0};
		struct gate *gate = NULL;
		if (read_file(a->gates[i], 1 << 20, &texts[i], &len, &err) < 0 ||
		    gate_parse(texts[i], len, a->gates[i], a->args, &gate, &err) < 0) {
			fprintf(stderr, "tops: gate: %s\n", tops_err_msg(&err));
			tops_err_clear(&err);
			return -1;
		}
		gate_free(gate);
		g[i] = (struct bg_gate_src){a->gates[i], texts[i]};
	}
	return 0;
}

static int check_durations(const struct bg_args *a, long *auto_ms, long *delay_ms, long *timeout_ms)
{
	*auto_ms = a->auto_flag ? rel_duration_ms(a->auto_promote, 0) : -1;
	*delay_ms = rel_duration_ms(a->scale_down, -2) == -2 ? -1 : rel_duration_ms(a->scale_down, 0);
	*timeout_ms = rel_duration_ms(a->timeout, 600000);
	if ((a->auto_flag && *auto_ms < 0) || (a->scale_down && *delay_ms < 0) || *timeout_ms < 0) {
		fprintf(stderr, "tops: --auto-promote, --scale-down-delay and --timeout take durations such as 30s or 10m\n");
		return -1;
	}
	if (a->color && strcmp(a->color, "auto") && strcmp(a->color, "blue") && strcmp(a->color, "green")) {
		fprintf(stderr, "tops: --color is auto, blue or green, not \"%s\"\n", a->color);
		return -1;
	}
	return 0;
}

static int outcome_code(int rc, enum bg_outcome out, const struct tops_err *err)
{
	rel_progress_end();
	if (rc < 0 || out == BG_ABORTED || out == BG_FAILED || out == BG_WAITING) {
		fprintf(stderr, "tops: %s\n", err->msg ? err->msg : out == BG_ABORTED ? "aborted" : "failed");
		return 1;
	}
	return 0;
}

static int do_mutate(struct kube_client *kc, const struct bg_args *a)
{
	struct bg_opts o = {.name = a->pos[0], .namespace_ = rel_namespace(kc), .color = a->color,
			    .keep_old = a->keep_old, .preview_host = a->preview_host, .gate_args = a->args,
			    .on_event = rel_progress};
	if (check_durations(a, &o.auto_promote_ms, &o.scale_down_delay_ms, &o.timeout_ms) < 0)
		return 2;
	struct tops_err err = {0};
	struct value *user = NULL, *chart_vals = NULL;
	struct bg_gate_src *gates = xcalloc(a->ngates + 1, sizeof *gates);
	char **texts = xcalloc(a->ngates + 1, sizeof *texts);
	struct tops_config *cfg = NULL;
	int code = 1;
	if (!strcmp(a->sub, "deploy")) {
		if (!(user = rel_values_of(a->vflags, a->nvflags, &err)) || load_gates(a, gates, texts) < 0)
			goto out;
		o.chart_path = a->pos[1], o.values = user, o.gates = gates, o.ngates = a->ngates;
		o.host = host_of(a, user, &chart_vals);
	}
	if (config_load(&tops_opts, &cfg, &err) < 0)
		goto out;
	static volatile sig_atomic_t stop;
	struct gate_cli pio;
	o.abort = &stop;
	gate_cli_init(&pio, kc, cfg, o.namespace_, &stop, o.timeout_ms, &o.io);
	rel_signals(&stop);
	enum bg_outcome outcome = BG_FAILED;
	int rc = !strcmp(a->sub, "deploy") ? bg_deploy(kc, &o, &outcome, &err)
		 : !strcmp(a->sub, "promote") ? bg_promote(kc, &o, &outcome, &err) : bg_abort(kc, &o, &outcome, &err);
	code = outcome_code(rc, outcome, &err);
	if (code == 0)
		printf("bluegreen %s %s: %s\n", a->sub, a->pos[0], !strcmp(a->sub, "abort") ? "aborted" : "done");
	gate_cli_done(&pio);
out:
	if (err.msg && code == 1 && !cfg)
		fprintf(stderr, "tops: %s\n", tops_err_msg(&err));
	for (size_t i = 0; i < a->ngates; i++)
		free(texts[i]);
	free(texts), free(gates);
	value_unref(user), value_unref(chart_vals);
	config_free(cfg);
	tops_err_clear(&err);
	return code;
}

int cmd_bluegreen(int argc, char **argv)
{
	struct bg_args a;
	int rc = parse(argc, argv, &a) < 0 ? 2 : -1;
	if (rc < 0 && (a.help || !a.sub))
		usage(a.help ? stdout : stderr), rc = a.help ? 0 : 2;
	bool known = a.sub && (!strcmp(a.sub, "deploy") || !strcmp(a.sub, "promote") || !strcmp(a.sub, "abort") ||
			       !strcmp(a.sub, "status"));
	int want = a.sub && !strcmp(a.sub, "deploy") ? 2 : 1;
	if (rc < 0 && (!known || a.npos != want)) {
		fprintf(stderr, known ? "tops: \"tops bluegreen %s\" requires %d argument%s\n" : "tops: bluegreen: unknown subcommand %s\n",
			a.sub, want, want == 1 ? "" : "s");
		usage(stderr);
		rc = 2;
	}
	if (rc < 0 && strcmp(a.sub, "status") && rel_readonly_refuses("bluegreen"))
		rc = 1;
	struct kube_client *kc = rc < 0 ? rel_client() : NULL;
	if (rc < 0 && !kc)
		rc = 1;
	if (rc < 0)
		rc = !strcmp(a.sub, "status") ? do_status(kc, &a) : do_mutate(kc, &a);
	if (kc)
		kube_client_free(kc);
	free(a.vflags), free(a.gates);
	value_unref(a.args);
	return rc;
}
