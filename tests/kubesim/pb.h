/* pb — decodes the Kubernetes protobuf envelope ("k8s\0" + runtime.Unknown) for the few kinds
 * that kubectl's typed clients send as protobuf with `kubectl create`: Namespace, ConfigMap,
 * Secret and ServiceAccount. Other kinds are refused with a clear message. */
#ifndef KUBESIM_PB_H
#define KUBESIM_PB_H

#include "core/base/value.h"

/* New reference (a JSON-shaped object) or NULL with err set (code SIM_EBADREQ or TOPS_EHTTP). */
struct value *pb_decode(const char *data, size_t len, struct tops_err *err);

#endif
