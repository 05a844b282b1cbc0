{{/*
Chart name, overridable with nameOverride.
*/}}
{{- define "vineyard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name, truncated to 63 characters because some Kubernetes name fields are limited
to that (by the DNS naming spec). A release name that already contains the chart name is used as is.
*/}}
{{- define "vineyard.fullname" -}}
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
Chart name and version, as used by the helm.sh/chart label.
*/}}
{{- define "vineyard.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels.
*/}}
{{- define "vineyard.labels" -}}
helm.sh/chart: {{ include "vineyard.chart" . }}
{{ include "vineyard.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: vineyard
{{- end }}

{{/*
Selector labels. They must never change between chart versions: Kubernetes does not allow a
workload's selector to be updated, so `helm upgrade` would fail.
*/}}
{{- define "vineyard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "vineyard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Object names. Each is derived from the fullname so two releases in one namespace never collide.
*/}}
{{- define "vineyard.rpcServiceName" -}}
{{- printf "%s-rpc" (include "vineyard.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "vineyard.etcdServiceName" -}}
{{- printf "etcd-for-%s" (include "vineyard.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "vineyard.etcdName" -}}
{{- printf "%s-etcd" (include "vineyard.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "vineyard.socketClaimName" -}}
{{- if .Values.vineyardd.socket.persistentVolumeClaim.existingClaim }}
{{- .Values.vineyardd.socket.persistentVolumeClaim.existingClaim }}
{{- else }}
{{- printf "%s-socket" (include "vineyard.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "vineyard.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "vineyard.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
vineyardd image: the tag defaults to the chart's appVersion.
*/}}
{{- define "vineyard.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
Where vineyardd and worker pods find the socket, inside their containers.
*/}}
{{- define "vineyard.socketDir" -}}
/var/run/vineyard
{{- end }}

{{- define "vineyard.socketPath" -}}
{{- printf "%s/vineyard.sock" (include "vineyard.socketDir" .) }}
{{- end }}

{{/*
Host directory of the socket in hostPath mode: unique per namespace and release.
*/}}
{{- define "vineyard.socketHostPath" -}}
{{- default (printf "/var/run/vineyard-%s-%s" .Release.Namespace (include "vineyard.fullname" .)) .Values.vineyardd.socket.hostPath }}
{{- end }}

{{/*
The socket volume, shared by vineyardd, extra containers and test pods.
*/}}
{{- define "vineyard.socketVolume" -}}
- name: vineyard-socket
{{- if eq .Values.vineyardd.socket.volumeType "hostPath" }}
  hostPath:
    path: {{ include "vineyard.socketHostPath" . | quote }}
    type: DirectoryOrCreate
{{- else if eq .Values.vineyardd.socket.volumeType "persistentVolumeClaim" }}
  persistentVolumeClaim:
    claimName: {{ include "vineyard.socketClaimName" . }}
{{- else }}
  emptyDir: {}
{{- end }}
{{- end }}

{{/*
Mount of the socket volume. With a shared claim every node gets its own sub-directory, so the
vineyardd servers of different nodes never race for one socket file.
*/}}
{{- define "vineyard.socketVolumeMount" -}}
- name: vineyard-socket
  mountPath: {{ include "vineyard.socketDir" . }}
{{- if eq .Values.vineyardd.socket.volumeType "persistentVolumeClaim" }}
  subPathExpr: $(VINEYARD_NODE_NAME)
{{- end }}
{{- end }}

{{/*
Client URLs of the metadata store, comma-separated as vineyardd's --etcd_endpoint accepts.
*/}}
{{- define "vineyard.etcdEndpoints" -}}
{{- if .Values.etcd.enabled }}
{{- printf "http://%s.%s.svc.%s:2379" (include "vineyard.etcdServiceName" .) .Release.Namespace .Values.clusterDomain }}
{{- else }}
{{- required "etcd.externalEndpoints must list at least one URL when etcd.enabled is false" (join "," .Values.etcd.externalEndpoints) }}
{{- end }}
{{- end }}
