/* scenario — loads scenario YAML (objects plus an optional SimConfig) and the --pods fleet. */
#ifndef KUBESIM_SCENARIO_H
#define KUBESIM_SCENARIO_H

#include "core/base/util.h"

/* Loads every document of path into the store; SimConfig documents configure the simulator. */
int scenario_load(const char *path, struct tops_err *err);
/* Creates n running, ready pods in namespace testops under a few Deployments, plus PVCs. */
void scenario_pods(int n);
/* Creates the namespaces and nodes every cluster has. */
void scenario_base(void);

#endif
