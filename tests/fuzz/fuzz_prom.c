/* libFuzzer target: the Prometheus exposition parser and the API decoder on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "core/prom/prom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct prom_text t;
	struct tops_err err = {0};
	if (prom_text_parse((const char *)data, size, &t, &err) == 0)
		prom_text_done(&t);
	tops_err_clear(&err);
	struct prom_result r;
	if (prom_decode((const char *)data, size, 200, &r, &err) == 0)
		prom_result_done(&r);
	tops_err_clear(&err);
	return 0;
}
