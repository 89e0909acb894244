/* pane_yaml — the object as YAML (fetched by GET; Secret data masked). */
#include "tui/objview.h"

static void yaml_fill(struct objview *ov, const cJSON *obj)
{
	yamlout_emit(&ov->tv, obj);
}

struct pane *yaml_new(struct ui *ui, enum kube_kind k, const char *ns, const char *name)
{
	return objview_new(ui, k, ns, name, "YAML", yaml_fill);
}
