/* Unit tests for core/store: projection of real-shaped objects, interning, apply semantics,
 * notifications, ordering and lookups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/timefmt.h"
#include "core/kube/store.h"

static const char *pod_json =
	"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"runner-5f7c9-abcde\","
	"\"namespace\":\"testops\",\"uid\":\"6c1d-11\",\"resourceVersion\":\"4711\",\"generation\":1,"
	"\"creationTimestamp\":\"2024-05-01T11:00:00Z\",\"labels\":{\"app\":\"testops\","
	"\"component\":\"runner\",\"pod-template-hash\":\"5f7c9\"},\"ownerReferences\":[{\"apiVersion\":"
	"\"apps/v1\",\"kind\":\"ReplicaSet\",\"name\":\"runner-5f7c9\",\"uid\":\"rs-uid\",\"controller\":true,"
	"\"blockOwnerDeletion\":true}],\"managedFields\":[{\"manager\":\"kube-controller-manager\"}]},"
	"\"spec\":{\"nodeName\":\"worker-2\",\"containers\":[{\"name\":\"runner\",\"image\":"
	"\"registry.local/testops/runner:2.4.1\",\"ports\":[{\"containerPort\":8080}]},{\"name\":\"metrics\","
	"\"image\":\"registry.local/exporter:0.9\"}],\"readinessGates\":[{\"conditionType\":\"example.com/gate\"}]},"
	"\"status\":{\"phase\":\"Running\",\"hostIP\":\"192.168.1.12\",\"podIP\":\"10.244.2.17\","
	"\"podIPs\":[{\"ip\":\"10.244.2.17\"}],\"startTime\":\"2024-05-01T11:00:01Z\",\"qosClass\":\"Burstable\","
	"\"conditions\":[{\"type\":\"Initialized\",\"status\":\"True\"},{\"type\":\"Ready\",\"status\":\"True\","
	"\"lastTransitionTime\":\"2024-05-01T11:00:09Z\"},{\"type\":\"example.com/gate\",\"status\":\"True\"}],"
	"\"containerStatuses\":[{\"name\":\"metrics\",\"ready\":true,\"started\":true,\"restartCount\":0,"
	"\"image\":\"registry.local/exporter:0.9\",\"imageID\":\"registry.local/exporter@sha256:bb\","
	"\"state\":{\"running\":{\"startedAt\":\"2024-05-01T11:00:05Z\"}},\"lastState\":{}},"
	"{\"name\":\"runner\",\"ready\":true,\"started\":true,\"restartCount\":2,"
	"\"image\":\"registry.local/testops/runner:2.4.1\",\"imageID\":\"registry.local/testops/runner@sha256:aa\","
	"\"state\":{\"running\":{\"startedAt\":\"2024-05-01T11:30:00Z\"}},\"lastState\":{\"terminated\":"
	"{\"exitCode\":137,\"reason\":\"OOMKilled\",\"startedAt\":\"2024-05-01T11:10:00Z\","
	"\"finishedAt\":\"2024-05-01T11:29:58Z\"}}}]}}";

static union st_record *project(enum kube_kind k, const char *json)
{
	struct jdom *j = jdom_parse(json, strlen(json), NULL);
	assert_non_null(j);
	union st_record *r = store_project(k, jdom_root(j), NULL);
	jdom_free(j);
	return r;
}

static void test_pod_projection(void **state)
{
	(void)state;
	union st_record *r = project(KK_POD, pod_json);
	assert_non_null(r);
	const struct st_pod *p = &r->pod;
	assert_string_equal(p->meta.name, "runner-5f7c9-abcde");
	assert_string_equal(p->meta.namespace_, "testops");
	assert_string_equal(p->meta.resource_version, "4711");
	assert_int_equal(p->meta.nlabels, 3);
	assert_string_equal(store_label(&p->meta, "component"), "runner");
	assert_null(store_label(&p->meta, "nope"));
	assert_int_equal(p->meta.nowners, 1);
	assert_string_equal(p->meta.owners[0].kind, "ReplicaSet");
	assert_true(p->meta.owners[0].controller);
	assert_string_equal(p->node, "worker-2");
	assert_string_equal(p->pod_ip, "10.244.2.17");
	assert_string_equal(p->phase, "Running");
	assert_int_equal(p->meta.created, time_parse_rfc3339("2024-05-01T11:00:00Z"));
	assert_int_equal(p->meta.deleted, 0);
	/* status order, spec images */
	assert_int_equal(p->ncontainers, 2);
	assert_int_equal(p->spec_containers, 2);
	assert_string_equal(p->containers[0].name, "metrics");
	assert_string_equal(p->containers[1].image, "registry.local/testops/runner:2.4.1");
	assert_string_equal(p->containers[1].image_id, "registry.local/testops/runner@sha256:aa");
	assert_int_equal(p->containers[1].restarts, 2);
	assert_int_equal(p->containers[1].last.state, ST_TERMINATED);
	assert_string_equal(p->containers[1].last.reason, "OOMKilled");
	assert_int_equal(p->containers[1].last.exit_code, 137);
	assert_int_equal(p->nconditions, 3);
	assert_int_equal(p->ngates, 1);
	store_record_free(KK_POD, r);
}

static void test_interning_shares_strings(void **state)
{
	(void)state;
	size_t b0, c0, b1, c1;
	store_intern_stats(&b0, &c0);
	union st_record *a = project(KK_POD, pod_json);
	store_intern_stats(&b1, &c1);
	union st_record *b = project(KK_POD, pod_json);
	size_t b2, c2;
	store_intern_stats(&b2, &c2);
	assert_true(c1 > c0);
	assert_int_equal(c2, c1);             /* the second copy adds no strings */
	assert_ptr_equal(a->pod.node, b->pod.node);
	assert_ptr_equal(a->meta.labels[0].key, b->meta.labels[0].key);
	store_record_free(KK_POD, a);
	store_record_free(KK_POD, b);
	store_intern_stats(&b2, &c2);
	assert_int_equal(c2, c0);             /* released when the last holder goes */
}

static void test_other_kinds(void **state)
{
	(void)state;
	union st_record *r = project(KK_PVC,
		"{\"metadata\":{\"name\":\"snapshots\",\"namespace\":\"testops\",\"resourceVersion\":\"9\"},"
		"\"spec\":{\"accessModes\":[\"ReadWriteOnce\"],\"resources\":{\"requests\":{\"storage\":\"10Gi\"}},"
		"\"storageClassName\":\"standard\",\"volumeName\":\"pvc-123\",\"volumeMode\":\"Filesystem\"},"
		"\"status\":{\"phase\":\"Bound\",\"accessModes\":[\"ReadWriteOnce\",\"ReadOnlyMany\"],"
		"\"capacity\":{\"storage\":\"10Gi\"}}}");
	assert_string_equal(r->pvc.phase, "Bound");
	assert_string_equal(r->pvc.access_modes, "RWO,ROX");
	assert_string_equal(r->pvc.capacity, "10Gi");
	assert_string_equal(r->pvc.storage_class, "standard");
	store_record_free(KK_PVC, r);

	r = project(KK_DEPLOYMENT,
		"{\"metadata\":{\"name\":\"runner\",\"namespace\":\"testops\",\"generation\":4,\"annotations\":"
		"{\"deployment.kubernetes.io/revision\":\"3\"}},\"spec\":{\"replicas\":3,\"selector\":"
		"{\"matchLabels\":{\"component\":\"runner\",\"app\":\"testops\"}},\"template\":{\"spec\":"
		"{\"containers\":[{\"name\":\"runner\",\"image\":\"r:2\"},{\"name\":\"m\",\"image\":\"e:1\"}]}}},"
		"\"status\":{\"observedGeneration\":4,\"replicas\":3,\"updatedReplicas\":2,\"readyReplicas\":3,"
		"\"availableReplicas\":3,\"conditions\":[{\"type\":\"Progressing\",\"status\":\"True\","
		"\"reason\":\"NewReplicaSetAvailable\"}]}}");
	assert_int_equal(r->wl.spec_replicas, 3);
	assert_int_equal(r->wl.updated, 2);
	assert_int_equal(r->wl.observed_generation, 4);
	assert_int_equal(r->wl.meta.generation, 4);
	assert_string_equal(r->wl.revision, "3");
	assert_string_equal(r->wl.images, "r:2,e:1");
	assert_string_equal(r->wl.selector, "app=testops,component=runner");
	assert_int_equal(r->wl.nconditions, 1);
	store_record_free(KK_DEPLOYMENT, r);

	r = project(KK_SERVICE,
		"{\"metadata\":{\"name\":\"grafana\",\"namespace\":\"obs\"},\"spec\":{\"type\":\"NodePort\","
		"\"clusterIP\":\"10.96.0.12\",\"clusterIPs\":[\"10.96.0.12\"],\"selector\":{\"app\":\"grafana\"},"
		"\"ports\":[{\"port\":80,\"nodePort\":30080,\"protocol\":\"TCP\"},{\"port\":53,\"protocol\":\"UDP\"}]}}");
	assert_string_equal(r->svc.cluster_ip, "10.96.0.12");
	assert_string_equal(r->svc.external_ips, "<none>");
	assert_string_equal(r->svc.ports, "80:30080/TCP,53/UDP");
	assert_string_equal(r->svc.selector, "app=grafana");
	store_record_free(KK_SERVICE, r);

	r = project(KK_EVENT,
		"{\"metadata\":{\"name\":\"runner.17a\",\"namespace\":\"testops\"},\"type\":\"Warning\","
		"\"reason\":\"BackOff\",\"message\":\"Back-off restarting failed container\",\"count\":7,"
		"\"involvedObject\":{\"kind\":\"Pod\",\"name\":\"runner-1\",\"namespace\":\"testops\"},"
		"\"source\":{\"component\":\"kubelet\"},\"firstTimestamp\":\"2024-05-01T11:00:00Z\","
		"\"lastTimestamp\":\"2024-05-01T11:30:00Z\"}");
	assert_string_equal(r->ev.reason, "BackOff");
	assert_int_equal(r->ev.count, 7);
	assert_string_equal(r->ev.obj_kind, "Pod");
	assert_int_equal(r->ev.last, time_parse_rfc3339("2024-05-01T11:30:00Z"));
	store_record_free(KK_EVENT, r);

	assert_null(project(KK_POD, "{\"metadata\":{}}"));
	assert_null(project(KK_POD, "[1,2]"));
}

struct seen {
	int added, modified, deleted;
	char last[64];
};

static void on_change(enum kube_kind k, enum st_op op, const union st_record *rec,
		      const union st_record *old, void *ud)
{
	struct seen *s = ud;
	(void)k;
	if (op == ST_ADDED)
		s->added++;
	else if (op == ST_MODIFIED) {
		s->modified++;
		assert_non_null(old);
	} else
		s->deleted++;
	snprintf(s->last, sizeof s->last, "%s/%s", rec->meta.namespace_, rec->meta.name);
}

static union st_record *mini(const char *ns, const char *name, const char *rv)
{
	char buf[256];
	snprintf(buf, sizeof buf, "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\","
		 "\"resourceVersion\":\"%s\"},\"status\":{\"phase\":\"Running\"}}", name, ns, rv);
	return project(KK_POD, buf);
}

static void test_apply_and_notify(void **state)
{
	(void)state;
	struct store *s = store_new();
	struct seen seen = {0};
	int id = store_subscribe(s, on_change, &seen);
	assert_int_equal(store_apply(s, KK_POD, ST_ADDED, mini("b", "x", "1")), ST_ADDED);
	assert_int_equal(store_apply(s, KK_POD, ST_ADDED, mini("a", "y", "2")), ST_ADDED);
	assert_int_equal(store_apply(s, KK_POD, ST_ADDED, mini("a", "x", "3")), ST_ADDED);
	/* same resourceVersion: nothing to say */
	assert_int_equal(store_apply(s, KK_POD, ST_MODIFIED, mini("a", "x", "3")), -1);
	/* ADDED of a known key is a modification */
	assert_int_equal(store_apply(s, KK_POD, ST_ADDED, mini("a", "x", "4")), ST_MODIFIED);
	assert_int_equal(store_apply(s, KK_POD, ST_DELETED, mini("b", "nope", "5")), -1);
	assert_int_equal(seen.added, 3);
	assert_int_equal(seen.modified, 1);
	assert_int_equal(store_count(s, KK_POD), 3);
	size_t n;
	const union st_record **all = store_list(s, KK_POD, &n);
	assert_int_equal(n, 3);
	assert_string_equal(all[0]->meta.name, "x");
	assert_string_equal(all[0]->meta.namespace_, "a");
	assert_string_equal(all[1]->meta.name, "y");
	assert_string_equal(all[2]->meta.namespace_, "b");
	free(all);
	assert_string_equal(store_get(s, KK_POD, "a", "x")->meta.resource_version, "4");
	assert_int_equal(store_delete(s, KK_POD, "a", "x"), ST_DELETED);
	assert_string_equal(seen.last, "a/x");
	assert_null(store_get(s, KK_POD, "a", "x"));
	assert_int_equal(store_apply(s, KK_POD, ST_DELETED, mini("a", "y", "9")), ST_DELETED);
	assert_int_equal(seen.deleted, 2);
	assert_int_equal(store_count(s, KK_POD), 1);
	store_unsubscribe(s, id);
	store_apply(s, KK_POD, ST_ADDED, mini("c", "z", "1"));
	assert_int_equal(seen.added, 3);
	store_free(s);
}

static void test_many_records(void **state)
{
	(void)state;
	struct store *s = store_new();
	char name[32];
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof name, "pod-%05d", i);
		store_apply(s, KK_POD, ST_ADDED, mini("ns", name, "1"));
	}
	for (int i = 0; i < 5000; i += 2) {
		snprintf(name, sizeof name, "pod-%05d", i);
		assert_int_equal(store_delete(s, KK_POD, "ns", name), ST_DELETED);
	}
	assert_int_equal(store_count(s, KK_POD), 2500);
	for (int i = 1; i < 5000; i += 2) {
		snprintf(name, sizeof name, "pod-%05d", i);
		assert_non_null(store_get(s, KK_POD, "ns", name));
	}
	struct st_ref ref = {KK_POD, store_get(s, KK_POD, "ns", "pod-00001")};
	assert_string_equal(store_field_lookup(&ref, "status.phase"), "Running");
	assert_string_equal(store_field_lookup(&ref, "metadata.name"), "pod-00001");
	assert_null(store_field_lookup(&ref, "spec.unknown"));
	store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pod_projection),
		cmocka_unit_test(test_interning_shares_strings),
		cmocka_unit_test(test_other_kinds),
		cmocka_unit_test(test_apply_and_notify),
		cmocka_unit_test(test_many_records),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
