{{/*
Names. Kubernetes names are at most 63 characters (DNS labels), so every name is
truncated and loses a trailing "-" that truncation may leave.
*/}}
{{- define "todo-chatbot.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "todo-chatbot.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
"<fullname>-<component>", for objects of one component. The full name is cut
first, so that the suffix survives and two components never share a name.
Call with (dict "ctx" $ "component" "backend" ["max" 63]).
*/}}
{{- define "todo-chatbot.componentName" -}}
{{- $suffix := printf "-%s" .component }}
{{- $room := sub (default 63 .max) (len $suffix) | int }}
{{- printf "%s%s" (include "todo-chatbot.fullname" .ctx | trunc $room | trimSuffix "-") $suffix }}
{{- end }}

{{- define "todo-chatbot.frontend.fullname" -}}
{{- include "todo-chatbot.componentName" (dict "ctx" . "component" "frontend") }}
{{- end }}

{{- define "todo-chatbot.backend.fullname" -}}
{{- include "todo-chatbot.componentName" (dict "ctx" . "component" "backend") }}
{{- end }}

{{/*
The StatefulSet's name is at most 52 characters: its pods carry the label
controller-revision-hash=<name>-<10 characters>, which must fit in 63.
*/}}
{{- define "todo-chatbot.postgresql.fullname" -}}
{{- include "todo-chatbot.componentName" (dict "ctx" . "component" "postgresql" "max" 52) }}
{{- end }}

{{- define "todo-chatbot.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Recommended labels (app.kubernetes.io/*). Call with (dict "ctx" $ "component" "backend").
*/}}
{{- define "todo-chatbot.labels" -}}
helm.sh/chart: {{ include "todo-chatbot.chart" .ctx }}
{{ include "todo-chatbot.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: {{ include "todo-chatbot.name" .ctx }}
{{- /* The chart's own keys win: a user's app.kubernetes.io/name would break the selectors. */}}
{{- with omit .ctx.Values.commonLabels "helm.sh/chart" "app.kubernetes.io/name" "app.kubernetes.io/instance" "app.kubernetes.io/component" "app.kubernetes.io/version" "app.kubernetes.io/managed-by" "app.kubernetes.io/part-of" }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
A pod's podAnnotations, without the keys the chart computes (a user's
checksum/config would stop config changes from rolling the pods).
*/}}
{{- define "todo-chatbot.podAnnotations" -}}
{{- with omit . "checksum/config" "checksum/secret" }}
{{- toYaml . }}
{{- end }}
{{- end }}

{{/* imagePullSecrets of every pod spec (helm test included); nothing when the list is empty. */}}
{{- define "todo-chatbot.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets }}
{{- print "imagePullSecrets:" }}
{{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
Selector labels: only values fixed at install (chart name, release, component).
Selectors are immutable in a live cluster, so nothing here may depend on a
version, an image or a setting.
*/}}
{{- define "todo-chatbot.selectorLabels" -}}
app.kubernetes.io/name: {{ include "todo-chatbot.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "todo-chatbot.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "todo-chatbot.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret the chart creates for OPENAI_API_KEY and an external DATABASE_URL. */}}
{{- define "todo-chatbot.secretName" -}}
{{- include "todo-chatbot.componentName" (dict "ctx" . "component" "secrets") }}
{{- end }}

{{/* True (non-empty) when the chart must create its own Secret. */}}
{{- define "todo-chatbot.needsSecret" -}}
{{- if or (and .Values.secrets.openaiApiKey (not .Values.secrets.existingSecret)) (and (eq .Values.database.mode "external") .Values.database.external.url (not .Values.database.external.existingSecret)) .Values.backend.extraSecretEnv .Values.frontend.extraSecretEnv }}true{{ end }}
{{- end }}

{{- define "todo-chatbot.postgresql.secretName" -}}
{{- default (include "todo-chatbot.postgresql.fullname" .) .Values.postgresql.auth.existingSecret }}
{{- end }}

{{/*
[registry/]repository, then @digest when one is set (the tag is then ignored),
else :tag. Call with a component's image values.
*/}}
{{- define "todo-chatbot.image" -}}
{{- $name := .repository }}
{{- with .registry }}{{ $name = printf "%s/%s" (trimSuffix "/" .) $name }}{{ end }}
{{- if .digest }}
{{- printf "%s@%s" $name .digest }}
{{- else }}
{{- printf "%s:%s" $name (toString .tag) }}
{{- end }}
{{- end }}

{{/*
Restricted Pod Security profile, container level. The pod level sets
runAsNonRoot, the user and group, and the seccomp profile.
*/}}
{{- define "todo-chatbot.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Pod level of the restricted profile. Call with the component's podSecurityContext values. */}}
{{- define "todo-chatbot.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .runAsUser }}
runAsGroup: {{ .runAsGroup }}
fsGroup: {{ .fsGroup }}
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
Value rules that JSON Schema cannot explain well: each fails with the reason
and the fix. values.schema.json leaves these cases to this check on purpose, so
that the user sees these messages, not the schema's generic lines.
Included by the backend Deployment, which every render has.
*/}}
{{- define "todo-chatbot.validate" -}}
{{- $db := .Values.database }}
{{- range $component := list "frontend" "backend" "postgresql" }}
{{- $image := index $.Values $component "image" }}
{{- if and (not $image.digest) (or (ne $component "postgresql") (eq $db.mode "postgres")) }}
{{- if not $image.tag }}
{{- fail (printf "%s.image.tag is empty: set it to the image's tag (the deploy script sets the content-hash tag it built), or set %s.image.digest (sha256:...) to pull by digest." $component $component) }}
{{- else if eq (toString $image.tag) "latest" }}
{{- fail (printf "%s.image.tag is latest: a moving tag never rolls out a new build, and nodes keep whichever image they pulled first. Set %s.image.tag to a fixed tag (the deploy script's content-hash tag, or a version), or %s.image.digest to sha256:..." $component $component $component) }}
{{- end }}
{{- end }}
{{- end }}
{{- if eq $db.mode "sqlite" }}
{{- if gt (int .Values.backend.replicaCount) 1 }}
{{- fail (printf "database.mode=sqlite keeps the database in one file on a ReadWriteOnce volume that only one pod can use, so backend.replicaCount must be 1 (it is %d). Set backend.replicaCount=1, or use database.mode=postgres to run several backend replicas." (int .Values.backend.replicaCount)) }}
{{- end }}
{{- if .Values.autoscaling.backend.enabled }}
{{- fail "database.mode=sqlite keeps the database in one file that only one backend pod can use, so autoscaling.backend.enabled must be false. Disable it, or use database.mode=postgres." }}
{{- end }}
{{- end }}
{{- if and (eq $db.mode "external") (not $db.external.url) (not $db.external.existingSecret) }}
{{- fail "database.mode=external needs the database URL: set database.external.url in a values file passed with -f (e.g. postgresql://user:password@host:5432/db), or database.external.existingSecret to the name of a Secret that holds it." }}
{{- end }}
{{- if and .Values.ingress.enabled .Values.ingress.tls.enabled (not .Values.ingress.tls.secretName) }}
{{- fail "ingress.tls.enabled=true needs ingress.tls.secretName: set it to the name of the Secret that holds the certificate (created by you or cert-manager), or set ingress.tls.enabled=false." }}
{{- end }}
{{- /* Variables the chart sets itself: extraEnv / extraSecretEnv may not name them (the pod would get two). */}}
{{- $chartEnv := dict "frontend" (list "BACKEND_URL" "PORT" "HOSTNAME" "NEXT_TELEMETRY_DISABLED") "backend" (list "PORT" "WEB_CONCURRENCY" "DATA_DIR" "APP_VERSION" "LOG_LEVEL" "OPENAI_MODEL" "CORS_ORIGINS" "OPENAI_BASE_URL" "DATABASE_URL" "DB_PASSWORD" "OPENAI_API_KEY") }}
{{- range $component := list "frontend" "backend" }}
{{- $values := index $.Values $component }}
{{- range $field := list "extraEnv" "extraSecretEnv" }}
{{- range $name, $_ := (index $values $field | default dict) }}
{{- if has $name (index $chartEnv $component) }}
{{- fail (printf "%s.%s sets %s, which the chart sets itself in the %s container: rename the variable in your app (or drop it from %s.%s)." $component $field $name $component $component $field) }}
{{- end }}
{{- if and (eq $field "extraSecretEnv") (hasKey $values.extraEnv $name) }}
{{- fail (printf "%s.extraEnv and %s.extraSecretEnv both set %s: a variable is either a secret or not; keep it in extraSecretEnv only." $component $component $name) }}
{{- end }}
{{- if and (eq $field "extraSecretEnv") (eq $component "frontend") (hasKey $.Values.backend.extraSecretEnv $name) (ne (toString (index $.Values.backend.extraSecretEnv $name)) (toString (index $values.extraSecretEnv $name))) }}
{{- fail (printf "frontend.extraSecretEnv and backend.extraSecretEnv give %s different values: the release's Secret holds one value per name; give both the same value or rename one." $name) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- range $component := list "frontend" "backend" }}
{{- $hpa := index $.Values.autoscaling $component }}
{{- if and $hpa.enabled (gt (int $hpa.minReplicas) (int $hpa.maxReplicas)) }}
{{- fail (printf "autoscaling.%s.minReplicas (%d) is greater than autoscaling.%s.maxReplicas (%d): make minReplicas at most maxReplicas." $component (int $hpa.minReplicas) $component (int $hpa.maxReplicas)) }}
{{- end }}
{{- end }}
{{- end }}
