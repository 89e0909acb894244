/* tops port-forward — local ports to a pod's ports through the API's portforward subresource. */
#include "cli/commands.h"
#include "core/base/options.h"
#include "core/kube/podpick.h"
#include "core/kube/portfwd.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char pf_usage[] =
	"Usage: tops port-forward POD|pod/NAME|deploy/NAME|sts/NAME|svc/NAME [LOCAL:]REMOTE...\n"
	"                         [--address 127.0.0.1]\n"
	"\n"
	"Listens on each LOCAL port (default: the same as REMOTE; \":REMOTE\" picks a free one) and\n"
	"forwards every connection to REMOTE in the pod through the API's portforward subresource\n"
	"(WebSocket). For svc/NAME, REMOTE is a service port, sent to its targetPort in a pod the\n"
	"service selects. Many connections per port; Ctrl-C closes them all and exits 0.\n"
	"Exit status: 0 after Ctrl-C, 1 when the pod or port cannot be used, 2 usage.\n"
	"\n"
	"  --address ADDR   the local address to listen on (default 127.0.0.1)\n";

struct pf_args {
	const char *target, *address;
	struct portfwd_port ports[16];
	size_t nports;
};

static int parse_args(int argc, char **argv, struct pf_args *a, struct tops_err *err)
{
	for (int i = 0; i < argc; i++) {
		const char *s = argv[i];
		if (!strcmp(s, "-h") || !strcmp(s, "--help"))
			return 1;
		if (!strcmp(s, "--address") && i + 1 < argc)
			a->address = argv[++i];
		else if (!strncmp(s, "--address=", 10))
			a->address = s + 10;
		else if (s[0] == '-' && s[1] != '\0' && s[1] != ':')
			return tops_err_set(err, TOPS_EINVAL, "unknown flag %s", s);
		else if (!a->target)
			a->target = s;
		else if (a->nports == 16)
			return tops_err_set(err, TOPS_EINVAL, "at most 16 ports");
		else if (portfwd_parse_port(s, &a->ports[a->nports++], err) < 0)
			return -TOPS_EINVAL;
	}
	if (!a->target || !a->nports)
		return tops_err_set(err, TOPS_EINVAL, "a pod and at least one port are needed");
	return 0;
}

static int get_obj(struct kube_client *kc, enum kube_kind k, const char *ns, const char *name,
		   cJSON **out, struct tops_err *err)
{
	char *path = kube_path(k, ns, name, NULL), *body = NULL;
	long status = 0;
	int rc = kube_request_sync(kc, "GET", path, NULL, NULL, &status, &body, err);
	if (rc == 0 && status != 200)
		rc = kube_status_error(status, body, err);
	*out = rc == 0 ? cJSON_Parse(body) : NULL;
	free(body);
	free(path);
	return rc;
}

/* A named targetPort: the container port of that name in the pod. */
static int named_port(const cJSON *pod, const char *name)
{
	const cJSON *c, *p;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(pod, "spec"), "containers")) {
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(c, "ports")) {
			const cJSON *n = cJSON_GetObjectItemCaseSensitive(p, "name");
			const cJSON *cp = cJSON_GetObjectItemCaseSensitive(p, "containerPort");
			if (cJSON_IsString(n) && !strcmp(n->valuestring, name) && cJSON_IsNumber(cp))
				return cp->valueint;
		}
	}
	return -1;
}

/* Service ports to the pod's ports, as kubectl translates them. */
static int map_service_ports(struct pf_args *a, const char *svc_ports, const cJSON *pod,
			     struct tops_err *err)
{
	cJSON *ports = cJSON_Parse(svc_ports ? svc_ports : "[]");
	int rc = 0;
	for (size_t i = 0; i < a->nports && rc == 0; i++) {
		const cJSON *p, *hit = NULL;
		cJSON_ArrayForEach(p, ports) {
			const cJSON *port = cJSON_GetObjectItemCaseSensitive(p, "port");
			if (cJSON_IsNumber(port) && port->valueint == a->ports[i].remote)
				hit = p;
		}
		const cJSON *tp = cJSON_GetObjectItemCaseSensitive(hit, "targetPort");
		int target = !hit ? -1 : cJSON_IsNumber(tp) ? tp->valueint
				  : cJSON_IsString(tp) ? named_port(pod, tp->valuestring) : a->ports[i].remote;
		if (target <= 0)
			rc = tops_err_set(err, TOPS_ENOENT, "Service %s does not have a service port %d",
					  strchr(a->target, '/') + 1, a->ports[i].remote);
		else
			a->ports[i].remote = target;
	}
	cJSON_Delete(ports);
	return rc;
}

/* The pod must run (kubectl's check), and a service's ports are mapped. */
static int check_pod(struct kube_client *kc, const char *ns, const char *pod, struct pf_args *a,
		     const char *svc_ports, struct tops_err *err)
{
	cJSON *obj = NULL;
	int rc = get_obj(kc, KK_POD, ns, pod, &obj, err);
	const cJSON *ph = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(obj, "status"), "phase");
	if (rc == 0 && (!cJSON_IsString(ph) || strcmp(ph->valuestring, "Running")))
		rc = tops_err_set(err, TOPS_EINVAL, "unable to forward port because pod is not running. "
				  "Current status=%s", cJSON_IsString(ph) ? ph->valuestring : "Unknown");
	if (rc == 0 && !strncmp(a->target, "svc/", 4))
		rc = map_service_ports(a, svc_ports, obj, err);
	else if (rc == 0 && !strncmp(a->target, "service/", 8))
		rc = map_service_ports(a, svc_ports, obj, err);
	cJSON_Delete(obj);
	return rc;
}

static void on_event(struct portfwd *pf, enum portfwd_event ev, int local, const char *text, void *ud)
{
	if (ev == PF_LISTENING || ev == PF_CONN)
		printf("%s\n", text);
	else if (ev == PF_CONN_ERROR)
		fprintf(stderr, "tops: %s\n", text);
	fflush(stdout);
}

static void sigint_cb(uv_signal_t *s, int signum)
{
	portfwd_stop(s->data);
	uv_close((uv_handle_t *)s, NULL);
}

static int serve(struct kube_client *kc, const char *ns, const char *pod, const struct pf_args *a,
		 struct tops_err *err)
{
	struct portfwd *pf = NULL;
	int rc = portfwd_start(kc, ns, pod, a->address, a->ports, a->nports, on_event, NULL, &pf, err);
	uv_signal_t sig[2];
	for (int i = 0; rc == 0 && i < 2; i++) {
		uv_signal_init(kc->loop, &sig[i]);
		sig[i].data = pf;
		uv_signal_start(&sig[i], sigint_cb, i ? SIGTERM : SIGINT);
	}
	signal(SIGPIPE, SIG_IGN);
	if (rc == 0) {
		while (!portfwd_closed(pf))
			uv_run(kc->loop, UV_RUN_ONCE);
		for (int i = 0; i < 2; i++)
			if (!uv_is_closing((uv_handle_t *)&sig[i]))
				uv_close((uv_handle_t *)&sig[i], NULL);
	}
	uv_run(kc->loop, UV_RUN_NOWAIT);
	while (pf && !portfwd_closed(pf))
		uv_run(kc->loop, UV_RUN_ONCE);
	portfwd_free(pf);
	return rc;
}

int cmd_port_forward(int argc, char **argv)
{
	struct pf_args a = {0};
	struct tops_err err = {0};
	int pr = parse_args(argc, argv, &a, &err);
	if (pr) {
		if (pr < 0)
			fprintf(stderr, "tops: port-forward: %s\n", tops_err_msg(&err));
		fputs(pf_usage, pr > 0 ? stdout : stderr);
		tops_err_clear(&err);
		return pr > 0 ? 0 : 2;
	}
	struct kube_client *kc = NULL;
	char *pod = NULL, *svc_ports = NULL;
	int rc = kube_client_new(NULL, &tops_opts, &kc, &err);
	const char *ns = rc == 0 ? kube_client_namespace(kc) : NULL;
	if (rc == 0)
		rc = podpick_resolve(kc, ns, a.target, &pod, &svc_ports, &err);
	if (rc == 0)
		rc = check_pod(kc, ns, pod, &a, svc_ports, &err);
	if (rc == 0)
		rc = serve(kc, ns, pod, &a, &err);
	if (rc < 0)
		fprintf(stderr, "tops: %s\n", tops_err_msg(&err));
	tops_err_clear(&err);
	free(pod);
	free(svc_ports);
	kube_client_free(kc);
	return rc < 0 ? 1 : 0;
}
