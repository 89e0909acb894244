/* Unit tests for core/doctor: one test per rule on hand-built inputs (pods, claims, events
 * projected through core/store; classes, ingresses, budgets, leases as API objects; release
 * records built in memory), plus the release notes parser, image references, merging, the
 * report's text and JSON and the console's hint. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/jdom.h"
#include "core/doctor/doctor.h"

#define NOW 1777000000   /* 2026-04-24T03:06:40Z */
#define D64 "64f7857cbe9b728a28fc6f5a07ab327199865d2ece2138ba9edffcd144554308"

/* JSON written with single quotes (readable in C strings). Caller frees. */
static char *sq(const char *s)
{
	char *j = strdup(s);
	for (char *p = j; *p; p++)
		if (*p == '\'')
			*p = '"';
	return j;
}

static void add(struct store *st, enum kube_kind k, const char *json)
{
	char *j = sq(json);
	struct tops_err err = {0};
	struct jdom *d = jdom_parse(j, strlen(j), &err);
	assert_non_null(d);
	union st_record *r = store_project(k, jdom_root(d), &err);
	assert_non_null(r);
	store_apply(st, k, ST_ADDED, r);
	jdom_free(d);
	free(j);
}

static struct value *list(const char *json)
{
	char *j = sq(json);
	struct value *v = value_from_json(j, strlen(j), NULL);
	free(j);
	assert_non_null(v);
	return v;
}

#define META(name, extra) "'metadata':{'name':'" name "','namespace':'ns','uid':'u-" name "','resourceVersion':'1'," \
	"'creationTimestamp':'2026-04-24T03:00:00Z','labels':{'app.kubernetes.io/instance':'rel','app.kubernetes.io/component':'runner'}" extra "}"

static struct doctor_input input(struct store *st)
{
	return (struct doctor_input){.namespace_ = "ns", .store = st, .now = NOW};
}

/* Runs one rule; returns the number of findings. */
static size_t run1(const char *rule, const struct doctor_input *in, struct doctor_report *r)
{
	memset(r, 0, sizeof(*r));
	const struct doctor_rule *d = doctor_rule(rule);
	assert_non_null(d);
	d->check(in, r);
	return r->n;
}

static void test_image_registry(void **state)
{
	struct store *st = store_new();
	add(st, KK_POD, "{" META("p1", "") ",'spec':{'containers':[{'name':'runner','image':'docker.io/testops/runner:2.5.3'}]},"
	    "'status':{'phase':'Pending','containerStatuses':[{'name':'runner','image':'docker.io/testops/runner:2.5.3',"
	    "'state':{'waiting':{'reason':'ErrImagePull','message':'x'}}}]}}");
	add(st, KK_POD, "{" META("p2", "") ",'spec':{'containers':[{'name':'runner','image':'registry.local:5000/testops/runner:2.5.3'}]}}");
	struct doctor_input in = input(st);
	struct doctor_report r;
	assert_int_equal(run1("image-registry", &in, &r), 0);   /* no configured registry: nothing to say */
	in.registry = "registry.local:5000";
	assert_int_equal(run1("image-registry", &in, &r), 1);
	assert_string_equal(r.f[0].name, "p1");
	assert_int_equal(r.f[0].sev, DOC_ERROR);
	assert_non_null(strstr(r.f[0].cause, "comes from docker.io, not from the registry registry.local:5000"));
	assert_string_equal(r.f[0].fix, "tops upgrade rel charts/testops -n ns --reuse-values --set global.imageRegistry=registry.local:5000");
	doctor_report_done(&r);
	store_free(st);
}

static void test_image_digest(void **state)
{
	const char *notes = "| Chart | App version | Image | Digest |\n|--|--|--|--|\n"
			    "| 0.5.0 | 2.5.3 | testops/runner | sha256:" D64 " |\n";
	struct doctor_pins pins;
	struct tops_err err = {0};
	assert_int_equal(doctor_notes_parse(notes, strlen(notes), "N.md", &pins, &err), 0);
	struct store *st = store_new();
	add(st, KK_POD, "{" META("p1", "") ",'spec':{'containers':[{'name':'runner','image':'registry.local:5000/testops/runner@sha256:"
	    "1111111111111111111111111111111111111111111111111111111111111111'}]}}");
	add(st, KK_POD, "{" META("p2", "") ",'spec':{'containers':[{'name':'runner','image':'registry.local:5000/testops/runner@sha256:" D64 "'}]}}");
	struct doctor_input in = input(st);
	in.pins = &pins;
	struct doctor_report r;
	assert_int_equal(run1("image-digest", &in, &r), 1);
	assert_string_equal(r.f[0].name, "p1");
	assert_non_null(strstr(r.f[0].cause, "pin testops/runner to sha256:" D64));
	assert_non_null(strstr(r.f[0].fix, "--set runner.image.digest=sha256:" D64));
	doctor_report_done(&r);
	in.chart_version = "0.4.0";   /* the notes pin nothing for it */
	assert_int_equal(run1("image-digest", &in, &r), 0);
	doctor_report_done(&r);
	doctor_pins_done(&pins);
	store_free(st);
}

#define PULLPOD(name, image, msg) "{" META(name, "") ",'spec':{'containers':[{'name':'c','image':'" image "'}]}," \
	"'status':{'phase':'Pending','containerStatuses':[{'name':'c','image':'" image "','state':{'waiting':" \
	"{'reason':'ErrImagePull','message':'" msg "'}}}]}}"

static void test_image_pull(void **state)
{
	struct store *st = store_new();
	add(st, KK_POD, PULLPOD("nf", "r.io/a/b:1", "Failed to pull image \\'r.io/a/b:1\\': rpc error: code = NotFound desc = r.io/a/b:1: not found"));
	add(st, KK_POD, PULLPOD("auth", "r.io/a/c:1", "Failed to pull image x: pull access denied, repository does not exist or may require authorization"));
	add(st, KK_POD, PULLPOD("host", "nowhere.io/a/d:1", "Failed to pull image x: dial tcp: lookup nowhere.io on 10.96.0.10:53: no such host"));
	/* ImagePullBackOff: the words are in the newest Failed event */
	add(st, KK_POD, "{" META("bo", "") ",'spec':{'containers':[{'name':'c','image':'r.io/a/e:1'}]},'status':{'phase':'Pending',"
	    "'containerStatuses':[{'name':'c','image':'r.io/a/e:1','state':{'waiting':{'reason':'ImagePullBackOff','message':'Back-off pulling image'}}}]}}");
	add(st, KK_EVENT, "{'metadata':{'name':'bo.1','namespace':'ns'},'involvedObject':{'kind':'Pod','name':'bo','namespace':'ns'},"
	    "'reason':'Failed','type':'Warning','message':'Failed to pull image \\'r.io/a/e:1\\': 401 Unauthorized','lastTimestamp':'2026-04-24T03:01:00Z'}");
	struct doctor_input in = input(st);
	struct doctor_report r;
	assert_int_equal(run1("image-pull", &in, &r), 4);
	const char *want[][2] = {
		{"auth", "refused the pull (unauthorized"}, {"bo", "refused the pull (unauthorized"},
		{"host", "cannot be reached (no such host"}, {"nf", "has no such image"},
	};
	for (size_t i = 0; i < 4; i++) {
		assert_string_equal(r.f[i].name, want[i][0]);
		assert_non_null(strstr(r.f[i].cause, want[i][1]));
	}
	assert_non_null(strstr(r.f[0].fix, "kubectl -n ns create secret docker-registry r.io-pull --docker-server=r.io"));
	assert_non_null(strstr(r.f[2].fix, "getent hosts nowhere.io"));
	assert_non_null(strstr(r.f[3].fix, "skopeo list-tags docker://r.io/a/b"));
	doctor_report_done(&r);
	store_free(st);
}

static void test_pvc_pending(void **state)
{
	struct store *st = store_new();
	add(st, KK_PVC, "{" META("c1", "") ",'spec':{'storageClassName':'fast'},'status':{'phase':'Pending'}}");
	add(st, KK_PVC, "{" META("c2", "") ",'spec':{},'status':{'phase':'Pending'}}");
	add(st, KK_PVC, "{" META("c3", "") ",'spec':{'storageClassName':'local-path'},'status':{'phase':'Bound'}}");
	add(st, KK_EVENT, "{'metadata':{'name':'c1.1','namespace':'ns'},'involvedObject':{'kind':'PersistentVolumeClaim','name':'c1',"
	    "'namespace':'ns'},'reason':'ProvisioningFailed','type':'Warning','message':'storageclass.storage.k8s.io \\'fast\\' not found'}");
	struct doctor_input in = input(st);
	struct doctor_report r;
	/* the console: no class list, the event says enough for c1 */
	assert_int_equal(run1("pvc-pending", &in, &r), 1);
	assert_non_null(strstr(r.f[0].cause, "ProvisioningFailed: storageclass.storage.k8s.io \"fast\" not found"));
	doctor_report_done(&r);
	in.storage_classes = list("[{'metadata':{'name':'standard'}},{'metadata':{'name':'local-path'}}]");
	assert_int_equal(run1("pvc-pending", &in, &r), 2);
	assert_non_null(strstr(r.f[0].cause, "StorageClass \"fast\" does not exist"));
	assert_non_null(strstr(r.f[0].cause, "the local-path class exists"));
	assert_string_equal(r.f[0].fix, "kubectl -n ns delete pvc c1 && tops upgrade rel charts/testops -n ns --reuse-values "
			    "--set persistence.storageClass=local-path");
	assert_non_null(strstr(r.f[1].cause, "names no StorageClass and the cluster has no default class"));
	doctor_report_done(&r);
	value_unref(in.storage_classes);
	/* a default class and no local-path: the default is proposed, the provisioner named */
	in.storage_classes = list("[{'metadata':{'name':'std','annotations':{'storageclass.kubernetes.io/is-default-class':'true'}}}]");
	assert_int_equal(run1("pvc-pending", &in, &r), 1);
	assert_non_null(strstr(r.f[0].fix, "persistence.storageClass=std"));
	assert_non_null(strstr(r.f[0].cause, "no local-path class: install the local-path provisioner"));
	doctor_report_done(&r);
	value_unref(in.storage_classes);
	store_free(st);
}

#define ING(name, spec, status) "{'metadata':{'name':'" name "','namespace':'ns','creationTimestamp':'2026-04-24T03:00:00Z'}," \
	"'spec':{" spec "'rules':[{'http':{'paths':[{'path':'/','backend':{'service':{'name':'web','port':{'number':80}}}}]}}]}," \
	"'status':" status "}"

static void test_ingress(void **state)
{
	struct store *st = store_new();
	struct doctor_input in = input(st);
	struct doctor_report r;
	in.ingresses = list("[" ING("a", "", "{}") "," ING("b", "'ingressClassName':'nginx',", "{}") ","
			    ING("c", "'ingressClassName':'nginx',", "{'loadBalancer':{'ingress':[{'ip':'10.0.0.1'}]}}") "]");
	in.ingress_classes = list("[]");
	assert_int_equal(run1("ingress", &in, &r), 2);
	assert_non_null(strstr(r.f[0].cause, "no default IngressClass"));
	assert_string_equal(r.f[0].fix, "tops port-forward svc/web 8080:80 -n ns");
	assert_string_equal(r.f[0].forward, "svc/web 8080:80");
	assert_non_null(strstr(r.f[1].cause, "IngressClass \"nginx\" does not exist"));
	doctor_report_done(&r);
	value_unref(in.ingress_classes);
	in.ingress_classes = list("[{'metadata':{'name':'nginx'}}]");
	in.ingress_wait_s = 3600;   /* 400 s old: still waiting for an address */
	assert_int_equal(run1("ingress", &in, &r), 1);
	assert_string_equal(r.f[0].name, "a");
	doctor_report_done(&r);
	in.ingress_wait_s = 60;
	assert_int_equal(run1("ingress", &in, &r), 2);
	assert_non_null(strstr(r.f[1].cause, "no address after 400s: the controller of IngressClass \"nginx\""));
	doctor_report_done(&r);
	value_unref(in.ingresses);
	value_unref(in.ingress_classes);
	store_free(st);
}

static char *fake_logs(void *ud, const char *ns, const char *pod, const char *c)
{
	return strdup((const char *)ud);
}

#define CRASH(name, reason, code, extra) "{" META(name, "") ",'spec':{'containers':[{'name':'app','image':'i'" extra "}]}," \
	"'status':{'phase':'Running','containerStatuses':[{'name':'app','image':'i','restartCount':4,'state':{'waiting':" \
	"{'reason':'CrashLoopBackOff'}},'lastState':{'terminated':{'exitCode':" code ",'reason':'" reason "'}}}]}}"

static void test_crashloop(void **state)
{
	struct store *st = store_new();
	add(st, KK_POD, CRASH("oom", "OOMKilled", "137", ""));
	add(st, KK_POD, CRASH("err", "Error", "3", ""));
	struct doctor_input in = input(st);
	in.pods_raw = list("[{'metadata':{'name':'oom','namespace':'ns'},'spec':{'containers':[{'name':'app','resources':"
			   "{'limits':{'memory':'512Mi'}}}]}}]");
	in.logs = fake_logs;
	in.logs_ud = "line 1\npanic: boom";
	struct doctor_report r;
	assert_int_equal(run1("crashloop", &in, &r), 2);
	assert_string_equal(r.f[0].name, "err");
	assert_non_null(strstr(r.f[0].cause, "exits with code 3 (Error) and is restarted (4 restarts, CrashLoopBackOff)"));
	assert_string_equal(r.f[0].fix, "kubectl -n ns logs err -c app --previous");
	assert_string_equal(r.f[0].detail, "line 1\npanic: boom");
	assert_non_null(strstr(r.f[1].cause, "OOMKilled (exit code 137)"));
	assert_non_null(strstr(r.f[1].fix, "--set runner.resources.limits.memory=1024Mi"));
	doctor_report_done(&r);
	value_unref(in.pods_raw);
	store_free(st);
}

#define SCHED(name, msg) "{" META(name, "") ",'spec':{'containers':[{'name':'app','image':'i'}]},'status':{'phase':'Pending'," \
	"'conditions':[{'type':'PodScheduled','status':'False','reason':'Unschedulable','message':'" msg "'}]}}"

static void test_unschedulable(void **state)
{
	struct store *st = store_new();
	add(st, KK_POD, SCHED("cpu", "0/3 nodes are available: 3 Insufficient cpu. preemption: x"));
	add(st, KK_POD, SCHED("taint", "0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}. preemption: x"));
	add(st, KK_POD, SCHED("sel", "0/2 nodes are available: 2 node(s) didn\\'t match Pod\\'s node affinity/selector."));
	add(st, KK_POD, SCHED("other", ""));
	add(st, KK_EVENT, "{'metadata':{'name':'o.1','namespace':'ns'},'involvedObject':{'kind':'Pod','name':'other','namespace':'ns'},"
	    "'reason':'FailedScheduling','type':'Warning','message':'0/3 nodes are available: 3 node(s) were unschedulable.'}");
	struct doctor_input in = input(st);
	in.pods_raw = list("[{'metadata':{'name':'cpu','namespace':'ns'},'spec':{'containers':[{'name':'app','resources':{'requests':{'cpu':'3'}}}]}}]");
	struct doctor_report r;
	assert_int_equal(run1("unschedulable", &in, &r), 4);
	assert_non_null(strstr(r.f[0].fix, "--set runner.resources.requests.cpu=2"));   /* 3 halved, rounded */
	assert_non_null(strstr(r.f[1].cause, "node(s) were unschedulable"));              /* from the event */
	assert_string_equal(r.f[1].fix, "kubectl -n ns describe pod other");
	assert_non_null(strstr(r.f[2].fix, "--set runner.nodeSelector=null"));
	assert_non_null(strstr(r.f[3].fix, "--set runner.tolerations[0].key=dedicated,runner.tolerations[0].operator=Exists"));
	doctor_report_done(&r);
	value_unref(in.pods_raw);
	store_free(st);
}

static void test_readiness(void **state)
{
	struct store *st = store_new();
#define RPOD(name, ready) "{" META(name, "") ",'spec':{'containers':[{'name':'web','image':'i'}]},'status':{'phase':'Running'," \
	"'containerStatuses':[{'name':'web','image':'i','ready':" ready ",'state':{'running':{'startedAt':'2026-04-24T03:00:00Z'}}}]}}"
	char buf[1024];
	add(st, KK_POD, RPOD("unready", "false"));
	add(st, KK_POD, RPOD("ready", "true"));
	for (int i = 0; i < 2; i++) {
		snprintf(buf, sizeof(buf), "{'metadata':{'name':'e%d','namespace':'ns'},'involvedObject':{'kind':'Pod','name':'%s',"
			 "'namespace':'ns','fieldPath':'spec.containers{web}'},'reason':'Unhealthy','type':'Warning','count':7,"
			 "'message':'Readiness probe failed: HTTP probe failed with statuscode: 503'}", i, i ? "ready" : "unready");
		add(st, KK_EVENT, buf);
	}
	struct doctor_input in = input(st);
	struct doctor_report r;
	assert_int_equal(run1("readiness", &in, &r), 1);   /* a Ready pod's old event is no problem */
	assert_string_equal(r.f[0].name, "unready");
	assert_non_null(strstr(r.f[0].cause, "not Ready: Readiness probe failed: HTTP probe failed with statuscode: 503 (7 times)"));
	assert_string_equal(r.f[0].fix, "kubectl -n ns logs unready -c web --tail=20");
	doctor_report_done(&r);
	store_free(st);
}

static void test_pdb(void **state)
{
	struct store *st = store_new();
	struct doctor_input in = input(st);
	in.pdbs = list("[{'metadata':{'name':'a','namespace':'ns','labels':{'app.kubernetes.io/component':'runner'}},'spec':{'minAvailable':2},"
		       "'status':{'disruptionsAllowed':0,'expectedPods':2,'currentHealthy':2,'desiredHealthy':2}},"
		       "{'metadata':{'name':'b','namespace':'ns','labels':{'app.kubernetes.io/component':'engine'}},'spec':{'maxUnavailable':0},"
		       "'status':{'disruptionsAllowed':0,'expectedPods':1,'currentHealthy':1,'desiredHealthy':1}},"
		       "{'metadata':{'name':'ok','namespace':'ns'},'spec':{'minAvailable':1},'status':{'disruptionsAllowed':1,'expectedPods':2}},"
		       "{'metadata':{'name':'empty','namespace':'ns'},'spec':{'minAvailable':1},'status':{'disruptionsAllowed':0,'expectedPods':0}}]");
	struct doctor_report r;
	assert_int_equal(run1("pdb", &in, &r), 2);
	assert_int_equal(r.f[0].sev, DOC_WARNING);
	assert_non_null(strstr(r.f[0].cause, "allows no disruption (minAvailable 2; 2 of 2 pods healthy, 2 needed)"));
	assert_non_null(strstr(r.f[0].fix, "--set podDisruptionBudget.runner.minAvailable=1"));
	assert_non_null(strstr(r.f[1].fix, "--set podDisruptionBudget.engine.maxUnavailable=1"));
	doctor_report_done(&r);
	value_unref(in.pdbs);
	store_free(st);
}

static void test_release_pending(void **state)
{
	struct release a = {.name = "stuck", .namespace_ = "ns", .version = 2, .info.status = RS_PENDING_UPGRADE};
	struct release b = {.name = "busy", .namespace_ = "ns", .version = 5, .info.status = RS_PENDING_ROLLBACK};
	struct release c = {.name = "fine", .namespace_ = "ns", .version = 1, .info.status = RS_DEPLOYED};
	struct release *recs[] = {&a, &b, &c};
	struct doctor_input in = input(NULL);
	in.records = recs;
	in.nrecords = 3;
	struct doctor_report r;
	assert_int_equal(run1("release-pending", &in, &r), 2);
	assert_non_null(strstr(r.f[0].cause, "who holds it is not known"));   /* leases not readable */
	doctor_report_done(&r);
	in.leases = list("[{'metadata':{'name':'tops-release-busy','namespace':'ns','annotations':{'tops/operation':'rollback'}},"
			 "'spec':{'holderIdentity':'bob@h:1','leaseDurationSeconds':30,'renewTime':'2026-04-24T03:06:35.000000Z'}}]");
	assert_int_equal(run1("release-pending", &in, &r), 2);
	assert_int_equal(r.f[0].sev, DOC_ERROR);
	assert_string_equal(r.f[0].name, "sh.helm.release.v1.stuck.v2");
	assert_non_null(strstr(r.f[0].cause, "revision 2 is pending-upgrade; no operation holds it (no Lease tops-release-stuck)"));
	assert_string_equal(r.f[0].fix, "tops upgrade stuck charts/testops -n ns --reuse-values --take-over");
	assert_int_equal(r.f[1].sev, DOC_WARNING);
	assert_non_null(strstr(r.f[1].cause, "held: rollback by bob@h:1 (Lease tops-release-busy, renewed 5s ago)"));
	doctor_report_done(&r);
	in.release = "busy";
	assert_int_equal(run1("release-pending", &in, &r), 1);
	doctor_report_done(&r);
	value_unref(in.leases);
}

static void test_notes_parse(void **state)
{
	struct doctor_pins p;
	struct tops_err err = {0};
	const char *ok = "# notes\n\n| Other | table |\n|---|---|\n| x | y |\n\n"
			 "| Chart | App version | Image | Digest |\n|:--|--|--|--:|\n"
			 "| 0.5.0 | 2.5.3 | `testops/runner` | `sha256:" D64 "` |\n"
			 "| 0.4.0 | 2.5.2 | docker.io/testops/runner | sha256:" D64 " |\n";
	assert_int_equal(doctor_notes_parse(ok, strlen(ok), "N.md", &p, &err), 0);
	assert_int_equal(p.n, 2);
	assert_string_equal(p.v[0].image, "testops/runner");
	assert_string_equal(p.v[0].chart_version, "0.5.0");
	assert_ptr_equal(doctor_pin_find(&p, "testops/runner", "0.4.0", NULL), &p.v[1]);   /* a pin with its registry */
	assert_ptr_equal(doctor_pin_find(&p, "testops/runner", NULL, "2.5.3"), &p.v[0]);
	assert_ptr_equal(doctor_pin_find(&p, "testops/runner", NULL, NULL), &p.v[0]);      /* newest first */
	assert_null(doctor_pin_find(&p, "testops/engine", NULL, NULL));
	doctor_pins_done(&p);
	const char *bad = "| Image | Digest |\n|---|---|\n| testops/runner | sha256:abc |\n";
	assert_int_not_equal(doctor_notes_parse(bad, strlen(bad), "N.md", &p, &err), 0);
	assert_string_equal(tops_err_msg(&err), "N.md:3:20: bad digest: a release notes row needs an image and a digest "
			    "\"sha256:\" followed by 64 hex digits");
	tops_err_clear(&err);
	assert_int_not_equal(doctor_notes_parse("no table\n", 9, "N.md", &p, &err), 0);
	assert_non_null(strstr(tops_err_msg(&err), "N.md:1:1: no table with the columns Image and Digest"));
	tops_err_clear(&err);
}

static void test_image_refs(void **state)
{
	static const char *const c[][3] = {
		{"nginx", "docker.io", "nginx"},
		{"testops/runner:2.5.3", "docker.io", "testops/runner"},
		{"registry.local:5000/testops/runner@sha256:" D64, "registry.local:5000", "testops/runner"},
		{"localhost/a/b:1", "localhost", "a/b"},
		{"r.io/a/b:1@sha256:" D64, "r.io", "a/b"},
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char *reg = doctor_image_registry(c[i][0]), *repo = doctor_image_repo(c[i][0]);
		assert_string_equal(reg, c[i][1]);
		assert_string_equal(repo, c[i][2]);
		free(reg);
		free(repo);
	}
}

static void test_report(void **state)
{
	struct doctor_report r = {0};
	doctor_add(&r, "pdb", DOC_WARNING, "poddisruptionbudget", "ns", "b", "c1", "f1", NULL, NULL);
	doctor_add(&r, "crashloop", DOC_ERROR, "pod", "ns", "p1", "c2", "f2", "l1\nl2", NULL);
	doctor_add(&r, "crashloop", DOC_ERROR, "pod", "ns", "p2", "c2", "f2", NULL, NULL);   /* merged */
	assert_int_equal(r.n, 2);
	assert_int_equal(r.f[1].count, 2);
	struct strbuf sb = STRBUF_INIT;
	doctor_report_text(&r, "namespace ns", &sb);
	assert_string_equal(sb_str(&sb), "warning poddisruptionbudget/b (namespace ns) [pdb]\n  cause: c1\n  fix:   f1\n\n"
			    "error pod/p1 (namespace ns) and 1 more like it [crashloop]\n  cause: c2\n  fix:   f2\n  | l1\n  | l2\n\n"
			    "2 problems found in namespace ns\n");
	sb_done(&sb);
	char *j = doctor_report_json(&r, "ns", NULL);
	assert_string_equal(j, "{\"namespace\":\"ns\",\"release\":null,\"problems\":2,\"findings\":["
			    "{\"rule\":\"pdb\",\"severity\":\"warning\",\"object\":{\"kind\":\"poddisruptionbudget\",\"namespace\":\"ns\","
			    "\"name\":\"b\"},\"cause\":\"c1\",\"fix\":\"f1\",\"count\":1},"
			    "{\"rule\":\"crashloop\",\"severity\":\"error\",\"object\":{\"kind\":\"pod\",\"namespace\":\"ns\",\"name\":\"p1\"},"
			    "\"cause\":\"c2\",\"fix\":\"f2\",\"detail\":\"l1\\nl2\",\"count\":2}]}\n");
	free(j);
	char *h = doctor_hint(&r, "pod", "ns", "p1");
	assert_string_equal(h, "pod/p1: c2 \xe2\x86\x92 f2");
	free(h);
	assert_null(doctor_hint(&r, "pod", "ns", "p2"));   /* merged into p1's */
	h = doctor_hint(&r, NULL, NULL, NULL);
	assert_string_equal(h, "poddisruptionbudget/b: c1 \xe2\x86\x92 f1");
	free(h);
	doctor_report_done(&r);
	r.keep_all = true;
	doctor_add(&r, "crashloop", DOC_ERROR, "pod", "ns", "p1", "c2", "f2", NULL, NULL);
	doctor_add(&r, "crashloop", DOC_ERROR, "pod", "ns", "p2", "c2", "f2", NULL, NULL);
	assert_int_equal(r.n, 2);   /* the console keeps one a pod */
	doctor_report_done(&r);
	assert_true(r.keep_all);
}

static void test_run_order_and_scope(void **state)
{
	struct store *st = store_new();
	add(st, KK_POD, CRASH("mine", "Error", "1", ""));
	add(st, KK_POD, "{'metadata':{'name':'theirs','namespace':'ns','labels':{'app.kubernetes.io/instance':'other'}},"
	    "'spec':{'containers':[{'name':'app','image':'i'}]},'status':{'phase':'Running','containerStatuses':[{'name':'app',"
	    "'image':'i','restartCount':2,'state':{'waiting':{'reason':'CrashLoopBackOff'}},'lastState':{'terminated':{'exitCode':1}}}]}}");
	add(st, KK_POD, "{'metadata':{'name':'elsewhere','namespace':'other'},'spec':{'containers':[{'name':'app','image':'i'}]},"
	    "'status':{'phase':'Running','containerStatuses':[{'name':'app','image':'i','restartCount':2,'state':{'waiting':"
	    "{'reason':'CrashLoopBackOff'}}}]}}");
	struct doctor_input in = input(st);
	in.pdbs = list("[{'metadata':{'name':'a','namespace':'ns','labels':{'app.kubernetes.io/instance':'rel'}},'spec':{'minAvailable':1},"
		       "'status':{'disruptionsAllowed':0,'expectedPods':1}}]");
	struct doctor_report r = {0};
	doctor_run(&in, &r);
	assert_int_equal(r.n, 3);   /* two crash loops of ns (not of namespace other), then the warning */
	assert_int_equal(r.f[0].sev, DOC_ERROR);
	assert_int_equal(r.f[1].sev, DOC_ERROR);
	assert_string_equal(r.f[2].rule, "pdb");
	doctor_report_done(&r);
	in.release = "rel";
	doctor_run(&in, &r);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.f[0].name, "mine");
	doctor_report_done(&r);
	size_t n;
	doctor_rules(&n);
	assert_int_equal(n, 10);
	value_unref(in.pdbs);
	store_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image_registry),
		cmocka_unit_test(test_image_digest),
		cmocka_unit_test(test_image_pull),
		cmocka_unit_test(test_pvc_pending),
		cmocka_unit_test(test_ingress),
		cmocka_unit_test(test_crashloop),
		cmocka_unit_test(test_unschedulable),
		cmocka_unit_test(test_readiness),
		cmocka_unit_test(test_pdb),
		cmocka_unit_test(test_release_pending),
		cmocka_unit_test(test_notes_parse),
		cmocka_unit_test(test_image_refs),
		cmocka_unit_test(test_report),
		cmocka_unit_test(test_run_order_and_scope),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
