/* objview — a full-screen text view of one object fetched by GET (describe and YAML views).
 * The fill function turns the object's JSON into lines once the reply arrives. */
#ifndef TOPS_TUI_OBJVIEW_H
#define TOPS_TUI_OBJVIEW_H

#include "tui/data.h"
#include "tui/textview.h"

#include <cjson/cJSON.h>

struct objview;
/* Fills tv from the object (borrowed). */
typedef void (*objview_fill_fn)(struct objview *ov, const cJSON *obj);

struct objview {
	struct textview tv;
	struct ui *ui;
	struct http_req *req;      /* in flight, or NULL */
	enum kube_kind kind;
	char *ns, *name;
	const char *what;          /* "Describe" or "YAML" */
	objview_fill_fn fill;
};

/* Creates the view and starts the GET. */
struct pane *objview_new(struct ui *ui, enum kube_kind k, const char *ns, const char *name,
			 const char *what, objview_fill_fn fill);

/* An object as YAML lines through core/yaml_emit (sigs.k8s.io/yaml's layout and quoting, byte
 * for byte what `tops get -o yaml` prints), without managedFields, and for a Secret with the
 * values of data and stringData (and its last-applied annotation) masked. tui/yamlout.c. */
void yamlout_emit(struct textview *tv, const cJSON *obj);

#endif
