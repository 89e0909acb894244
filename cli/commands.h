/* The subcommand table: one X-macro list gives dispatch, usage and `tops --help`.
 * X(name, function, one-line summary). Each function lives in cli/cmd_<name>.c and receives the
 * argv after the subcommand name with global flags already removed. Returns the exit status. */
#ifndef TOPS_COMMANDS_H
#define TOPS_COMMANDS_H

#define TOPS_COMMANDS(X) \
	X("ui",       cmd_ui,       "open the console (the default when no subcommand is given)") \
	X("get",      cmd_get,      "list or watch pods, pvc, deployments, replicasets, statefulsets, daemonsets, events, services") \
	X("top",      cmd_top,      "CPU and memory of pods or usage of PVCs, from Prometheus") \
	X("render",   cmd_render,   "render a chart like `helm template`") \
	X("eval",     cmd_eval,     "evaluate a template snippet with the chart functions") \
	X("validate", cmd_validate, "validate manifests against Kubernetes JSON schemas (kubeconform-compatible)") \
	X("diff",     cmd_diff,     "show what applying a rendered chart would change; exit 1 if anything") \
	X("install",  cmd_install,  "install a chart as a release (helm-compatible records, watched wait)") \
	X("upgrade",  cmd_upgrade,  "upgrade a release; --atomic rolls back on any failure, early") \
	X("rollback", cmd_rollback, "roll a release back to an earlier revision") \
	X("uninstall", cmd_uninstall, "delete a release's objects and records") \
	X("history",  cmd_history,  "list a release's revisions") \
	X("status",   cmd_status,   "show a release's status (and who holds it)") \
	X("list",     cmd_list,     "list the releases") \
	X("test",     cmd_test,     "run a release's test hooks") \
	X("apply",    cmd_apply,    "apply plain manifests server-side (-f FILE|DIR|-)") \
	X("audit",    cmd_audit,    "the actions this tops took (the audit file)") \
	X("exec",     cmd_exec,     "run a command in a container (the API's exec over WebSocket)") \
	X("port-forward", cmd_port_forward, "forward local ports to a pod's ports (the API's portforward)") \
	X("doctor",   cmd_doctor,   "find what keeps a release from working: cause and the fixing command") \
	X("snapshot", cmd_snapshot, "take, list, get, delete, export or import snapshots of a release") \
	X("snapshot-compare", cmd_snapshot_compare, "compare two snapshots; exit 1 on a regression") \
	X("bluegreen", cmd_bluegreen, "blue/green releases: deploy, promote, abort, status (with Prometheus gates)") \
	X("serve",    cmd_serve,    "the deployment API for CI over HTTP (previews, health, releases, SSE)") \
	X("version",  cmd_version,  "print the version")

#define X(name, fn, help) int fn(int argc, char **argv);
TOPS_COMMANDS(X)
#undef X

#endif
