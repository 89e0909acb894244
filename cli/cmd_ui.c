/* tops ui — the console. Global flags are already in tops_opts; this command has only --help. */
#include "cli/commands.h"
#include "core/base/options.h"
#include "tui/tui.h"

#include <stdio.h>
#include <string.h>

static void ui_usage(FILE *f)
{
	fprintf(f, "Usage: tops [ui] [global flags]\n\n"
		   "Opens the console: pods, PVCs, workloads with rollout progress, and events of a\n"
		   "namespace, live. Press ? inside for every key.\n\n"
		   "Flags (global, see `tops --help`):\n"
		   "  -n, --namespace NAME     namespace to show (default: the context's)\n"
		   "  -A, --all-namespaces     show every namespace\n"
		   "  --kubeconfig FILE        kubeconfig to use\n"
		   "  --context NAME           kubeconfig context\n"
		   "  --server URL, --token T  override the API server and credentials\n"
		   "  --theme NAME|FILE        colour theme (themes/NAME.yaml; NO_COLOR is honoured)\n"
		   "  --readonly               refuse actions that change the cluster\n");
}

int cmd_ui(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			ui_usage(stdout);
			return 0;
		}
		fprintf(stderr, "tops: ui: unknown argument \"%s\"\n", argv[i]);
		ui_usage(stderr);
		return 2;
	}
	struct tui_opts o = {.theme = tops_opts.theme};
	return tui_run(&o);
}
