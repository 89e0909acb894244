/* options — global flags shared by every subcommand (kubectl's and helm's names). */
#ifndef TOPS_OPTIONS_H
#define TOPS_OPTIONS_H

#include <stdbool.h>

struct tops_opts {
	const char *kubeconfig;          /* --kubeconfig */
	const char *context;             /* --context */
	const char *namespace_;          /* -n / --namespace (NULL: from kubeconfig) */
	bool all_namespaces;             /* -A / --all-namespaces */
	const char *server;              /* --server */
	const char *token;               /* --token */
	const char *certificate_authority;
	const char *client_certificate;
	const char *client_key;
	bool insecure_skip_tls_verify;
	const char *request_timeout;     /* --request-timeout (e.g. "30s"; NULL: none) */
	const char *prometheus;          /* --prometheus URL */
	const char *metrics_url;         /* --metrics-url URL */
	const char *config;              /* --config FILE (tops' own config) */
	bool readonly;                   /* --readonly */
	const char *theme;               /* --theme NAME */
};

/* The process-wide global options, filled by the command line before a subcommand runs. */
extern struct tops_opts tops_opts;

#endif
