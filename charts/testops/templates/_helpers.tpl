{{/*
Chart name, truncated to the 63 characters a DNS label allows.
*/}}
{{- define "testops.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Base name of every object: the release name (or release-chart), then the colour when one is
set, so color=green gives testops-green. Truncated so that "-<component>" still fits in 63.
*/}}
{{- define "testops.fullname" -}}
{{- $base := "" }}
{{- if .Values.fullnameOverride }}
{{- $base = .Values.fullnameOverride }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- $base = .Release.Name }}
{{- else }}
{{- $base = printf "%s-%s" .Release.Name $name }}
{{- end }}
{{- end }}
{{- if .Values.color }}
{{- $base = printf "%s-%s" ($base | trunc 46 | trimSuffix "-") .Values.color }}
{{- end }}
{{- $base | trunc 52 | trimSuffix "-" }}
{{- end }}

{{/*
Name of one component: (dict "ctx" $ "component" "runner") -> testops-runner.
*/}}
{{- define "testops.componentName" -}}
{{- printf "%s-%s" (include "testops.fullname" .ctx) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Chart name and version for the helm.sh/chart label.
*/}}
{{- define "testops.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Selector labels: (dict "ctx" $ "component" "runner"). They never change during an upgrade,
so they stay out of anything a new chart version would alter.
*/}}
{{- define "testops.selectorLabels" -}}
app.kubernetes.io/name: {{ include "testops.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- with .ctx.Values.color }}
color: {{ . }}
{{- end }}
{{- end }}

{{/*
Standard labels: (dict "ctx" $ "component" "runner"); component may be "".
*/}}
{{- define "testops.labels" -}}
helm.sh/chart: {{ include "testops.chart" .ctx }}
{{ include "testops.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: {{ include "testops.name" .ctx }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
{{- end }}

{{/*
Image reference: (dict "ctx" $ "image" .Values.runner.image).
REGISTRY/REPOSITORY@DIGEST when a digest is set (with :TAG before it when a tag is set too),
else REGISTRY/REPOSITORY:TAG with the tag defaulting to the chart's appVersion.
*/}}
{{- define "testops.image" -}}
{{- $ref := required "image.repository is required" .image.repository }}
{{- with .ctx.Values.global.imageRegistry }}
{{- $ref = printf "%s/%s" (trimSuffix "/" .) $ref }}
{{- end }}
{{- if .image.digest }}
{{- with .image.tag }}
{{- $ref = printf "%s:%s" $ref . }}
{{- end }}
{{- printf "%s@%s" $ref .image.digest }}
{{- else }}
{{- printf "%s:%s" $ref (default .ctx.Chart.AppVersion .image.tag) }}
{{- end }}
{{- end }}

{{/*
Service account the runner uses.
*/}}
{{- define "testops.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "testops.componentName" (dict "ctx" . "component" "runner")) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Prometheus scrape annotations for a pod template: (dict "ctx" $ "port" 8080).
*/}}
{{- define "testops.scrapeAnnotations" -}}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .port | quote }}
prometheus.io/path: {{ .ctx.Values.metrics.path | quote }}
{{- end }}

{{/*
Object storage is on when an endpoint is given or the emulator is enabled: "true" or "".
*/}}
{{- define "testops.objectStorage.enabled" -}}
{{- if or .Values.objectStorage.endpoint .Values.objectStorage.emulator.enabled }}true{{ end }}
{{- end }}

{{/*
The S3 endpoint: the one given, else the emulator's Service.
*/}}
{{- define "testops.objectStorage.endpoint" -}}
{{- if .Values.objectStorage.endpoint }}
{{- trimSuffix "/" .Values.objectStorage.endpoint }}
{{- else }}
{{- printf "http://%s.%s.svc:%d" (include "testops.componentName" (dict "ctx" . "component" "s3")) .Release.Namespace (int .Values.objectStorage.emulator.port) }}
{{- end }}
{{- end }}

{{/*
The Secret with the object storage keys (access-key, secret-key).
*/}}
{{- define "testops.objectStorage.secretName" -}}
{{- default (include "testops.componentName" (dict "ctx" . "component" "s3")) .Values.objectStorage.existingSecret }}
{{- end }}

{{/*
Environment of the runner and the engine for the object storage (nothing when it is off).
*/}}
{{- define "testops.objectStorage.env" -}}
{{- if include "testops.objectStorage.enabled" . }}
- name: TESTOPS_S3_ENDPOINT
  value: {{ include "testops.objectStorage.endpoint" . | quote }}
- name: TESTOPS_S3_BUCKET
  value: {{ .Values.objectStorage.bucket | quote }}
- name: TESTOPS_S3_REGION
  value: {{ .Values.objectStorage.region | quote }}
- name: TESTOPS_S3_INSECURE
  value: {{ ternary "true" "false" (or .Values.objectStorage.insecure (not .Values.objectStorage.endpoint)) | quote }}
- name: TESTOPS_S3_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "testops.objectStorage.secretName" . }}
      key: access-key
- name: TESTOPS_S3_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "testops.objectStorage.secretName" . }}
      key: secret-key
{{- end }}
{{- end }}
