{{/* Names, labels and the environment every node shares. */}}

{{- define "visual-memory.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "visual-memory.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "visual-memory.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "visual-memory.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one component: call with (dict "root" $ "component" "shard-host"). */}}
{{- define "visual-memory.selectorLabels" -}}
app.kubernetes.io/name: {{ include "visual-memory.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "visual-memory.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "visual-memory.cudaImage" -}}
{{- printf "%s:%s" .Values.image.cudaRepository (default .Chart.AppVersion .Values.image.cudaTag) -}}
{{- end -}}

{{- define "visual-memory.secretName" -}}
{{- default (printf "%s-secrets" (include "visual-memory.fullname" .)) .Values.secrets.existingSecret -}}
{{- end -}}

{{/*
Per-pod settings. Cluster:InternalUrl is both what the node listens on and what it advertises to the other
nodes, and must be an IP address: the pod IP, through the downward API. The node name is the pod name, stable
for shard hosts (StatefulSet), so a restarted shard host is the same node to the control plane.
Call with (dict "root" $ "roles" "ShardHost").
*/}}
{{- define "visual-memory.env" -}}
- name: POD_IP
  valueFrom:
    fieldRef:
      fieldPath: status.podIP
- name: Cluster__NodeName
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: Cluster__Roles
  value: {{ .roles | quote }}
- name: Cluster__InternalUrl
  value: "http://$(POD_IP):{{ .root.Values.ports.internal }}"
- name: ASPNETCORE_URLS
  value: "http://0.0.0.0:{{ .root.Values.ports.public }}"
- name: DataDir
  value: /data
- name: Cluster__Database
  valueFrom:
    secretKeyRef:
      name: {{ include "visual-memory.secretName" .root }}
      key: database
- name: Storage__S3__AccessKey
  valueFrom:
    secretKeyRef:
      name: {{ include "visual-memory.secretName" .root }}
      key: s3AccessKey
- name: Storage__S3__SecretKey
  valueFrom:
    secretKeyRef:
      name: {{ include "visual-memory.secretName" .root }}
      key: s3SecretKey
{{- if .root.Values.security.adminApiKey }}
# Security:ApiKeys is a list (Name, Key, Scopes per entry): entry 0 is the admin key, entry 1 the query key.
- name: Security__ApiKeys__0__Name
  value: admin
- name: Security__ApiKeys__0__Scopes
  value: admin
- name: Security__ApiKeys__0__Key
  valueFrom:
    secretKeyRef:
      name: {{ include "visual-memory.secretName" .root }}
      key: adminApiKey
{{- end }}
{{- if .root.Values.security.queryApiKey }}
- name: Security__ApiKeys__1__Name
  value: query
- name: Security__ApiKeys__1__Scopes
  value: query
- name: Security__ApiKeys__1__Key
  valueFrom:
    secretKeyRef:
      name: {{ include "visual-memory.secretName" .root }}
      key: queryApiKey
{{- end }}
- name: Security__ClusterSecret
  valueFrom:
    secretKeyRef:
      name: {{ include "visual-memory.secretName" .root }}
      key: clusterSecret
      optional: true
{{- with .root.Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Ports, probes and security shared by every container. Call with the root context. */}}
{{- define "visual-memory.container" -}}
ports:
  - name: http
    containerPort: {{ .Values.ports.public }}
    protocol: TCP
  - name: internal
    containerPort: {{ .Values.ports.internal }}
    protocol: TCP
envFrom:
  - configMapRef:
      name: {{ include "visual-memory.fullname" . }}-config
startupProbe:
  httpGet:
    path: {{ .Values.probes.liveness.path }}
    port: http
  periodSeconds: {{ .Values.probes.startup.periodSeconds }}
  failureThreshold: {{ .Values.probes.startup.failureThreshold }}
livenessProbe:
  httpGet:
    path: {{ .Values.probes.liveness.path }}
    port: http
  initialDelaySeconds: {{ .Values.probes.liveness.initialDelaySeconds }}
  periodSeconds: {{ .Values.probes.liveness.periodSeconds }}
  failureThreshold: {{ .Values.probes.liveness.failureThreshold }}
readinessProbe:
  httpGet:
    path: {{ .Values.probes.readiness.path }}
    port: http
  initialDelaySeconds: {{ .Values.probes.readiness.initialDelaySeconds }}
  periodSeconds: {{ .Values.probes.readiness.periodSeconds }}
  failureThreshold: {{ .Values.probes.readiness.failureThreshold }}
securityContext:
  {{- toYaml .Values.securityContext | nindent 2 }}
{{- end -}}
