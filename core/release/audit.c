#include "core/release/audit.h"

#include "core/release/lease.h"
#include "core/release/obj.h"
#include "core/release/rest.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

char *audit_path(void)
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	if (xdg && *xdg)
		return xasprintf("%s/tops/audit.jsonl", xdg);
	return xasprintf("%s/.local/state/tops/audit.jsonl", home && *home ? home : ".");
}

void audit_sha256_hex(const void *data, size_t n, char out[65])
{
	unsigned char md[32];
	unsigned int len = 0;
	EVP_Digest(data, n, md, &len, EVP_sha256(), NULL);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void put_str(struct value *m, const char *k, const char *v)
{
	if (v)
		value_map_set(m, k, value_str(v));
}

static struct value *entry_value(const struct audit_entry *e, const struct kube_client *kc)
{
	struct value *m = value_map();
	char *t = obj_microtime(e->ended_ms), *who = lease_default_holder();
	put_str(m, "time", t);
	put_str(m, "local", who);
	put_str(m, "actor", e->actor);
	if (kc && kc->kc) {
		put_str(m, "context", kc->kc->context_name);
		put_str(m, "user", kc->kc->user_name);
		put_str(m, "server", kc->kc->server);
	}
	put_str(m, "namespace", e->namespace_);
	put_str(m, "release", e->release);
	put_str(m, "action", e->action);
	if (e->from_revision)
		value_map_set(m, "fromRevision", value_int(e->from_revision));
	if (e->to_revision)
		value_map_set(m, "toRevision", value_int(e->to_revision));
	put_str(m, "chart", e->chart);
	put_str(m, "valuesSha256", e->values_sha256);
	put_str(m, "result", e->result);
	put_str(m, "error", e->error);
	value_map_set(m, "durationMs", value_int(e->ended_ms - e->started_ms));
	free(t), free(who);
	return m;
}

/* mkdir -p with mode 0700 for each folder made. */
static int make_dirs(const char *file)
{
	char *d = xstrdup(file);
	for (char *p = d + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			if (mkdir(d, 0700) < 0 && errno != EEXIST) {
				free(d);
				return -1;
			}
			*p = '/';
		}
	free(d);
	return 0;
}

int audit_write_file(const struct audit_entry *e, const struct kube_client *kc, struct tops_err *err)
{
	char *path = audit_path();
	struct value *v = entry_value(e, kc);
	char *line = value_to_json(v, false, false);
	value_unref(v);
	int fd = make_dirs(path) < 0 ? -1 : open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	size_t len = strlen(line);
	line[len] = '\n'; /* one write of the whole line: lines of concurrent writers never mix */
	ssize_t w = fd < 0 ? -1 : write(fd, line, len + 1);
	int rc = 0;
	if (fd < 0 || w != (ssize_t)(len + 1))
		rc = tops_err_set(err, TOPS_EIO, "audit log %s: %s", path, strerror(errno));
	if (fd >= 0 && close(fd) < 0 && rc == 0)
		rc = tops_err_set(err, TOPS_EIO, "audit log %s: %s", path, strerror(errno));
	free(line), free(path);
	return rc;
}

static char *event_reason(const char *action)
{
	char *r = xasprintf("Tops%s", action);
	r[4] = (char)toupper((unsigned char)r[4]);
	return r;
}

static struct value *event_value(const struct audit_entry *e)
{
	struct value *ev = value_map();
	char *t = obj_microtime(e->ended_ms), *who = lease_default_holder(), *reason = event_reason(e->action);
	char *secret = xasprintf("sh.helm.release.v1.%s.v%d", e->release,
				 e->to_revision ? e->to_revision : e->from_revision);
	char *name = xasprintf("%s.%llx", e->release, (unsigned long long)e->ended_ms * 1000000ull);
	value_map_set(ev, "apiVersion", value_str("v1"));
	value_map_set(ev, "kind", value_str("Event"));
	obj_set_str_in(ev, "metadata", "name", name);
	obj_set_str_in(ev, "metadata", "namespace", e->namespace_);
	obj_set_str_in(ev, "involvedObject", "kind", "Secret");
	obj_set_str_in(ev, "involvedObject", "apiVersion", "v1");
	obj_set_str_in(ev, "involvedObject", "name", secret);
	obj_set_str_in(ev, "involvedObject", "namespace", e->namespace_);
	value_map_set(ev, "reason", value_str(reason));
	value_map_set(ev, "message", value_strf("%s of release %s by %s: %s%s%s", e->action, e->release, who,
						 e->result, e->error ? ": " : "", e->error ? e->error : ""));
	value_map_set(ev, "type", value_str(e->error ? "Warning" : "Normal"));
	obj_set_str_in(ev, "source", "component", "tops");
	value_map_set(ev, "firstTimestamp", value_strf("%.20s", t));
	value_map_set(ev, "lastTimestamp", value_strf("%.20s", t));
	value_map_set(ev, "count", value_int(1));
	free(t), free(who), free(reason), free(secret), free(name);
	return ev;
}

int audit_write_event(struct kube_client *kc, const struct audit_entry *e, struct tops_err *err)
{
	struct value *ev = event_value(e);
	/* an Event timestamp has whole seconds: "2006-01-02T15:04:05" + "Z" */
	for (const char *k[] = {"firstTimestamp", "lastTimestamp"}, **p = k; p < k + 2; p++) {
		const struct value *v = value_map_get(ev, *p);
		value_map_set(ev, *p, value_strf("%.19sZ", v->u.str.s));
	}
	char *body = value_to_json(ev, false, false);
	char *path = xasprintf("/api/v1/namespaces/%s/events", e->namespace_);
	int rc = rest_call(kc, "POST", path, body, "application/json", NULL, NULL, err);
	value_unref(ev);
	free(body), free(path);
	return rc;
}

int audit_record(struct kube_client *kc, const struct audit_entry *e, struct tops_err *err)
{
	struct tops_err ev_err = {0};
	int rc = audit_write_file(e, kc, err);
	int rc2 = kc ? audit_write_event(kc, e, &ev_err) : 0;
	if (rc == 0 && rc2 < 0) {
		tops_err_set(err, ev_err.code, "audit event: %s", tops_err_msg(&ev_err));
		rc = rc2;
	}
	tops_err_clear(&ev_err);
	return rc;
}

struct value *audit_read(int64_t since_ms, size_t *bad, struct tops_err *err)
{
	char *path = audit_path(), *text = NULL;
	size_t len = 0;
	struct value *list = value_list();
	*bad = 0;
	if (read_file(path, 256u << 20, &text, &len, err) < 0) {
		if (err && err->code == TOPS_ENOENT)
			tops_err_clear(err);
		free(path);
		return list;
	}
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct value *v = value_from_json(line, strlen(line), NULL);
		const char *t = v ? obj_str(v, "time") : NULL;
		if (!v || v->type != V_MAP || !t) {
			(*bad)++;
		} else if (!since_ms || obj_time_ms(t) >= since_ms) {
			value_list_push(list, value_ref(v));
		}
		value_unref(v);
	}
	free(text), free(path);
	return list;
}
