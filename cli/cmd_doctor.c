/* tops doctor [NAME] [-o text|json] — the problems of a release (or of the namespace), each
 * with its object, cause and the command that fixes it (core/doctor). Exit 1 when a problem is
 * found, 0 when none, 2 for a usage error. */
#include "cli/commands.h"
#include "cli/release_cli.h"

#include "core/doctor/gather.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct doc_args {
	const char *name, *output;
	struct doctor_gather_opts g;
	bool help;
};

static void usage(FILE *f)
{
	size_t n;
	const struct doctor_rule *r = doctor_rules(&n);
	fprintf(f, "Usage: tops doctor [NAME] [-o text|json] [-f VALUES] [--chart DIR] [--ingress-wait SECONDS]\n\n"
		"Finds what keeps a release (NAME) or, without NAME, the namespace from working, and prints\n"
		"for each problem the object, the cause and the exact command that fixes it.\n"
		"Exit status: 1 when a problem is found, 0 when none, 2 for a usage error.\n\n"
		"Flags:\n"
		"  -o, --output text|json  how to print the findings (default text)\n"
		"  -f, --values FILE       check against these values (registry: global.imageRegistry);\n"
		"                          default: the release's own values\n"
		"      --chart DIR         read the release notes (VERSIONING_AND_RELEASE_NOTES.md) and name\n"
		"                          the chart in fixes from DIR; default: the release's chart\n"
		"      --ingress-wait N    an Ingress without an address after N seconds is a problem (60)\n\n"
		"Rules:\n");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-16s %s\n", r[i].id, r[i].looks_at);
}

static int parse(int argc, char **argv, struct doc_args *a)
{
	memset(a, 0, sizeof(*a));
	a->output = "text";
	for (int i = 0; i < argc; i++) {
		const char *s = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool val = true;
		if (!strcmp(s, "-h") || !strcmp(s, "--help"))
			a->help = true, val = false;
		else if ((!strcmp(s, "-o") || !strcmp(s, "--output")) && v)
			a->output = v;
		else if (str_has_prefix(s, "--output="))
			a->output = s + 9, val = false;
		else if ((!strcmp(s, "-f") || !strcmp(s, "--values")) && v)
			a->g.values_file = v;
		else if (!strcmp(s, "--chart") && v)
			a->g.chart_dir = v;
		else if (!strcmp(s, "--ingress-wait") && v)
			a->g.ingress_wait_s = atoi(v);
		else if (s[0] != '-' && !a->name)
			a->name = s, val = false;
		else
			return fprintf(stderr, "tops: doctor: %s %s (see tops doctor --help)\n",
				       s[0] == '-' ? "unknown flag or missing value:" : "one NAME at most, got also", s), -1;
		i += val;
	}
	if (strcmp(a->output, "text") && strcmp(a->output, "json"))
		return fprintf(stderr, "tops: doctor: -o must be text or json, not \"%s\"\n", a->output), -1;
	return 0;
}

static void print_report(const struct doc_args *a, const struct doctor_report *r, const char *ns)
{
	if (!strcmp(a->output, "json")) {
		char *j = doctor_report_json(r, ns, a->name);
		fputs(j, stdout);
		free(j);
		return;
	}
	char *scope = a->name ? xasprintf("release %s (namespace %s)", a->name, ns) : xasprintf("namespace %s", ns);
	struct strbuf sb = STRBUF_INIT;
	doctor_report_text(r, scope, &sb);
	fputs(sb_str(&sb), stdout);
	sb_done(&sb);
	free(scope);
}

int cmd_doctor(int argc, char **argv)
{
	struct doc_args a;
	if (parse(argc, argv, &a) < 0)
		return 2;
	if (a.help)
		return usage(stdout), 0;
	struct kube_client *kc = rel_client();
	if (!kc)
		return 1;
	const char *ns = rel_namespace(kc);
	struct doctor_data *d = NULL;
	struct tops_err err = {0};
	if (doctor_gather(kc, ns, a.name, &a.g, &d, &err) != 0) {
		fprintf(stderr, "tops: doctor: %s\n", tops_err_msg(&err));
		tops_err_clear(&err);
		kube_client_free(kc);
		return 1;
	}
	fputs(doctor_data_notes(d), stderr);
	struct doctor_report r = {0};
	doctor_run(doctor_data_input(d), &r);
	print_report(&a, &r, ns);
	int code = r.n ? 1 : 0;
	doctor_report_done(&r);
	doctor_data_free(d);
	kube_client_free(kc);
	return code;
}
