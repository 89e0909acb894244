/* kubeconfig — kubectl-compatible loading of cluster, user and context settings.
 *
 * Sources, as kubectl: --kubeconfig FILE alone if given; else $KUBECONFIG, a colon-separated list
 * merged with kubectl's rules (the first file to set a map key wins: a cluster, user or context
 * named in two files comes from the first; current-context from the first file that sets one);
 * else ~/.kube/config. Then the overrides from tops_opts (--context, -n, --server, --token,
 * --certificate-authority, --client-certificate, --client-key, --insecure-skip-tls-verify).
 * Files are parsed with core/yaml.h; errors name the file and line ("~/.kube/config:12:3: ...").
 */
#ifndef TOPS_KUBECONFIG_H
#define TOPS_KUBECONFIG_H

#include "core/base/options.h"
#include "core/base/util.h"

#include <stdint.h>
#include <uv.h>

struct exec_run;

/* An exec credential plugin (users[].user.exec). */
struct kube_exec {
	char *api_version;         /* client.authentication.k8s.io/v1 or v1beta1 */
	char *command;
	char **args;               /* NULL-terminated */
	char **env;                /* "NAME=value", NULL-terminated (added to the environment) */
	char *interactive_mode;    /* Never / IfAvailable / Always (informational) */
	bool provide_cluster_info;
	/* Cache of the last credential. */
	char *token;
	char *cert_data, *key_data;  /* PEM from status.clientCertificateData/KeyData */
	int64_t expires;           /* Unix seconds; 0: no expiry given (cached for the process) */
	struct exec_run *run;      /* the run in flight, or NULL */
	long limit_ms;             /* a run is killed after this long; 0: 60 s */
};

/* The resolved settings of one context. All strings owned; NULL when not set. */
struct kubeconfig {
	char *context_name, *cluster_name, *user_name;
	char *namespace_;          /* the context's namespace, or -n; NULL: "default" */
	/* cluster */
	char *server;
	char *ca_file;
	char *ca_data; size_t ca_len;           /* decoded certificate-authority-data */
	bool insecure;
	char *tls_server_name;
	char *proxy_url;
	/* user */
	char *token;
	char *token_file;
	char *username, *password;
	char *cert_file;
	char *cert_data; size_t cert_len;       /* decoded client-certificate-data */
	char *key_file;
	char *key_data; size_t key_len;         /* decoded client-key-data */
	struct kube_exec *exec;                 /* NULL when no plugin */
	char *origin;              /* the file the context came from, for messages */
	char **context_names;      /* every context of the merged files, sorted, NULL-terminated */
	char *cur_token;           /* internal: the last token read from token_file */
};

/* Loads the configuration as kubectl would with these global flags (opts may be NULL).
 * Caller frees *out with kubeconfig_free(). Errors: -TOPS_ENOENT (no file, unknown context),
 * -TOPS_EINVAL (bad YAML or field, with file:line:col), -TOPS_EIO. */
int kubeconfig_load(const struct tops_opts *opts, struct kubeconfig **out, struct tops_err *err);
/* The same with an explicit list of files (merged in order). */
int kubeconfig_load_files(const char *const *paths, size_t npaths, const struct tops_opts *opts,
			  struct kubeconfig **out, struct tops_err *err);
void kubeconfig_free(struct kubeconfig *kc);
/* The names of every context in the merged files (a name in two files counts once), sorted;
 * borrowed, valid until kubeconfig_free(). *n gets the count (may be NULL). */
const char *const *kubeconfig_context_names(const struct kubeconfig *kc, size_t *n);

/* The bearer token to send now (borrowed; valid until the next call or kubeconfig_free), or
 * NULL when the user has none. Order: token, tokenFile (re-read on each call, as kubectl does),
 * exec plugin. The plugin runs (blocking, on a private loop, with a 60 s limit) only when
 * kubeconfig_exec_stale(); it gets KUBERNETES_EXEC_INFO and its env entries. For code without
 * a running loop; the console goes through kubeconfig_exec_start() (see core/kube).
 * Errors: -TOPS_EAUTH naming the plugin command with the first line of its stderr, or the
 * file's problem. */
int kubeconfig_token(struct kubeconfig *kc, const char **token, struct tops_err *err);

/* --- exec credential plugins on an event loop --- */

/* A cached plugin credential is refreshed when fewer than this many seconds remain. */
#define KUBECONFIG_EXEC_MARGIN 10

/* True when requests authenticate with the exec plugin (no token or tokenFile wins over it). */
bool kubeconfig_uses_exec(const struct kubeconfig *kc);
/* True when the plugin's credential is missing or expires within KUBECONFIG_EXEC_MARGIN. */
bool kubeconfig_exec_stale(const struct kubeconfig *kc);
/* True while a run started by kubeconfig_exec_start() is in flight. */
bool kubeconfig_exec_running(const struct kubeconfig *kc);

/* Called once on the loop thread when a run ends: rc 0 and the credential cached in kc->exec
 * (token / cert_data / key_data / expires), or rc -TOPS_EAUTH and err ("exec plugin CMD failed
 * (exit status N): first line of its stderr", a timeout, or an output that is no
 * ExecCredential). err is borrowed for the call. */
typedef void (*kubeconfig_exec_fn)(struct kubeconfig *kc, int rc, const struct tops_err *err,
				   void *ud);
/* Starts the plugin on loop with uv_spawn and an argv (its own process group; stdin closed;
 * stdout and stderr read on the loop; killed with everything it started after limit_ms, 60 s by
 * default) and returns at once.
 * One run at a time per kubeconfig. Errors (done is then never called): -TOPS_EAUTH when the
 * command cannot be started, -TOPS_EINTERNAL when a run is already in flight. */
int kubeconfig_exec_start(struct kubeconfig *kc, uv_loop_t *loop, kubeconfig_exec_fn done,
			  void *ud, struct tops_err *err);
/* Kills a run in flight; its done callback is not called. Its handles are closed (and its
 * memory freed) when the loop runs next. kubeconfig_free() does this itself. */
void kubeconfig_exec_cancel(struct kubeconfig *kc);

#endif
