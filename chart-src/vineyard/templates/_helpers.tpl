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
{{ include "vineyard.podLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}

{{/*
Labels of pod templates: the common labels without the chart and app versions. A label change in a pod
template replaces every pod, and a replaced etcd member without persistence loses its data, so a
chart-version-only bump must leave the pod templates untouched.
*/}}
{{- define "vineyard.podLabels" -}}
{{ include "vineyard.selectorLabels" . }}
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
Object names. Each is derived from the fullname so two releases in one namespace never collide. They
are never truncated: cutting the suffix off would make `<fullname>-rpc` and `<fullname>-etcd` the same
name. "vineyard.validate" refuses a fullname too long for them instead.
*/}}
{{- define "vineyard.rpcServiceName" -}}
{{- printf "%s-rpc" (include "vineyard.fullname" .) }}
{{- end }}

{{- define "vineyard.etcdServiceName" -}}
{{- printf "etcd-for-%s" (include "vineyard.fullname" .) }}
{{- end }}

{{- define "vineyard.etcdName" -}}
{{- printf "%s-etcd" (include "vineyard.fullname" .) }}
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
vineyardd image: the tag defaults to the one upstream's release workflow publishes for the chart's
appVersion, `alpine-<appVersion>` (a multi-arch manifest; vineyardd is /usr/local/bin/vineyardd).
*/}}
{{- define "vineyard.image" -}}
{{- printf "%s:%s" .Values.image.repository (default (printf "alpine-%s" .Chart.AppVersion) .Values.image.tag) }}
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
Client URLs of the metadata store, comma-separated as vineyardd's --etcd_endpoint accepts. In-cluster
names end in `.svc`: the pods' DNS search path completes them, whatever the cluster domain is.
*/}}
{{- define "vineyard.etcdEndpoints" -}}
{{- if .Values.etcd.enabled }}
{{- printf "http://%s.%s.svc:2379" (include "vineyard.etcdServiceName" .) .Release.Namespace }}
{{- else }}
{{- required "etcd.externalEndpoints must list at least one URL when etcd.enabled is false" (join "," .Values.etcd.externalEndpoints) }}
{{- end }}
{{- end }}

{{/*
etcd's backend quota: half of each member's volume (the other half holds the WAL and snapshots), at most
8 GiB (etcd's recommended maximum). Without persistence etcd keeps its default quota of 2 GiB.
*/}}
{{- define "vineyard.etcdQuotaBytes" -}}
{{- $size := toString .Values.etcd.persistence.size }}
{{- $units := dict "" 1 "k" 1000 "M" 1000000 "G" 1000000000 "T" 1000000000000 "Ki" 1024 "Mi" 1048576 "Gi" 1073741824 "Ti" 1099511627776 }}
{{- $number := regexFind "^[0-9]+" $size }}
{{- $unit := trimPrefix $number $size }}
{{- if or (not $number) (not (hasKey $units $unit)) }}
{{- fail (printf "etcd.persistence.size %q: write it as a whole number with a unit, like 8Gi (the chart gives etcd half of it as its storage quota)" $size) }}
{{- end }}
{{- min (div (mul (int64 $number) (get $units $unit)) 2) 8589934592 }}
{{- end }}

{{/*
Bytes in a Kubernetes quantity (`8Gi`, `512Mi`, `1G`, `1.5Gi`, `1073741824`, `1e9`), as a float. Called with
(dict "value" <quantity> "key" "<values path>"); fails naming the key when the value is not a size.
*/}}
{{- define "vineyard.quantityBytes" -}}
{{- $s := toString .value }}
{{- $units := dict "" 1 "k" 1000 "M" 1000000 "G" 1000000000 "T" 1000000000000 "P" 1000000000000000 "E" 1000000000000000000 "Ki" 1024 "Mi" 1048576 "Gi" 1073741824 "Ti" 1099511627776 "Pi" 1125899906842624 "Ei" 1152921504606846976 }}
{{- $number := regexFind "^[0-9]+(\\.[0-9]+)?" $s }}
{{- $suffix := trimPrefix $number $s }}
{{- if not $number }}
{{- fail (printf "%s %q is not a size: write a size like 8Gi" .key $s) }}
{{- else if hasKey $units $suffix }}
{{- mulf $number (get $units $suffix) }}
{{- else if regexMatch "^[eE]\\+?[0-9]{1,2}$" $suffix }}
{{- $bytes := float64 $number }}
{{- range until (int (trimPrefix "+" (substr 1 -1 $suffix))) }}
{{- $bytes = mulf $bytes 10 }}
{{- end }}
{{- $bytes }}
{{- else }}
{{- fail (printf "%s %q is not a size: write a size like 8Gi" .key $s) }}
{{- end }}
{{- end }}

{{/*
Bytes of vineyardd's shared memory. vineyardd reads every suffix as a power of two (its `G` is 2^30 bytes)
while Kubernetes reads `k`, `M`, `G`... as powers of ten, so only the forms both read alike are accepted: a
number of bytes, or a binary suffix (Ki, Mi, Gi, Ti, Pi, Ei).
*/}}
{{- define "vineyard.sharedMemoryBytes" -}}
{{- $size := toString .Values.vineyardd.sharedMemorySize }}
{{- if regexMatch "^[0-9]+(\\.[0-9]+)?[kMGTPE]$" $size }}
{{- $number := regexFind "^[0-9]+(\\.[0-9]+)?" $size }}
{{- $unit := trimPrefix $number $size }}
{{- $binary := get (dict "k" 10 "M" 20 "G" 30 "T" 40 "P" 50 "E" 60) $unit }}
{{- fail (printf "vineyardd.sharedMemorySize %q: vineyardd reads %s as 2^%d bytes while Kubernetes reads it as 10^%d, so the memory limits planned with one do not fit the other. Write a size like 8Gi (Ki, Mi, Gi and Ti mean the same to both): here %s%si." $size $unit $binary (div (mul $binary 3) 10) $number (upper $unit)) }}
{{- end }}
{{- if not (regexMatch "^[0-9]+(\\.[0-9]+)?([KMGTPE]i)?$" $size) }}
{{- fail (printf "vineyardd.sharedMemorySize %q is not a size: write a size like 8Gi (or a number of bytes)" $size) }}
{{- end }}
{{- $bytes := include "vineyard.quantityBytes" (dict "value" $size "key" "vineyardd.sharedMemorySize") | float64 }}
{{- if le $bytes 0.0 }}
{{- fail (printf "vineyardd.sharedMemorySize %q is no memory at all: write a size like 8Gi" $size) }}
{{- end }}
{{- $bytes }}
{{- end }}

{{/*
Refuses values that render valid objects which cannot work, with a message saying what to change. Checks
that need the cluster (the running etcd's size) use `lookup`, which finds nothing under `helm template`.
*/}}
{{- define "vineyard.validate" -}}
{{- $fullname := include "vineyard.fullname" . }}
{{- if .Values.etcd.enabled }}
{{- /* StatefulSet pods carry the label controller-revision-hash=<name>-<10-character hash>, at most 63. */}}
{{- if gt (len $fullname) 47 }}
{{- fail (printf "the fullname %q (from the release name or fullnameOverride, %d characters) is too long for the etcd StatefulSet %q: its pods' revision label adds 11 characters and must stay within 63. Use a release name or fullnameOverride of at most 47 characters." $fullname (len $fullname) (include "vineyard.etcdName" .)) }}
{{- end }}
{{- $replicas := int .Values.etcd.replicas }}
{{- if gt $replicas 7 }}
{{- fail (printf "etcd.replicas=%d: more than 7 etcd members make every write wait for more of them without a practical gain in availability (etcd recommends at most 7). Use 3, 5 or 7." $replicas) }}
{{- end }}
{{- if eq (mod $replicas 2) 0 }}
{{- fail (printf "etcd.replicas=%d is even: %d etcd members survive no more failures than %d (a majority of %d must answer every write), so the extra member only adds load. Use an odd number: 1, 3, 5 or 7." $replicas $replicas (sub $replicas 1) (add (div $replicas 2) 1)) }}
{{- end }}
{{- if and (gt $replicas 1) (not .Values.etcd.persistence.enabled) }}
{{- fail (printf "etcd.replicas=%d needs etcd.persistence.enabled=true: an etcd member whose pod is replaced comes back without its data and is refused by the cluster (\"member has already been bootstrapped\"), so the cluster degrades with every node drain. Set etcd.persistence.enabled=true, or etcd.replicas=1." $replicas) }}
{{- end }}
{{- with lookup "apps/v1" "StatefulSet" .Release.Namespace (include "vineyard.etcdName" .) }}
{{- $running := int .spec.replicas }}
{{- if ne $running $replicas }}
{{- fail (printf "etcd.replicas cannot change on upgrade (StatefulSet %s runs %d, the values ask for %d): new members would bootstrap a second cluster beside the running one, and removing members loses the quorum. Keep etcd.replicas=%d; to resize, uninstall the release, delete its etcd claims (kubectl delete pvc -l app.kubernetes.io/instance=%s,app.kubernetes.io/component=etcd) and install again." .metadata.name $running $replicas $running $.Release.Name) }}
{{- end }}
{{- end }}
{{- else }}
{{- if gt (len $fullname) 52 }}
{{- fail (printf "the fullname %q (from the release name or fullnameOverride, %d characters) is too long for the object names derived from it (like %q). Use a release name or fullnameOverride of at most 52 characters." $fullname (len $fullname) (printf "%s-test-probe" $fullname)) }}
{{- end }}
{{- range .Values.etcd.externalEndpoints }}
{{- if not (hasPrefix "http://" .) }}
{{- fail (printf "etcd.externalEndpoints: %q is not an http:// URL. vineyardd speaks plaintext to etcd only (it has no TLS client options), so an https:// endpoint never answers it. Give the etcd's plaintext client URL, like http://etcd.infra:2379." .) }}
{{- end }}
{{- end }}
{{- end }}
{{- $sharedMemory := include "vineyard.sharedMemoryBytes" . | float64 }}
{{- $limit := dig "limits" "memory" "" (.Values.vineyardd.resources | default dict) }}
{{- if $limit }}
{{- $limitBytes := include "vineyard.quantityBytes" (dict "value" $limit "key" "vineyardd.resources.limits.memory") | float64 }}
{{- if le $limitBytes $sharedMemory }}
{{- fail (printf "vineyardd.resources.limits.memory %q is not above vineyardd.sharedMemorySize %q: the shared memory is charged to the vineyardd container, which is OOM-killed once the memory fills. Raise vineyardd.resources.limits.memory to at least %.0fMi (the shared memory plus 512Mi for vineyardd itself), or lower vineyardd.sharedMemorySize." (toString $limit) (toString .Values.vineyardd.sharedMemorySize) (ceil (divf (addf $sharedMemory 536870912) 1048576))) }}
{{- end }}
{{- end }}
{{- if and .Values.metrics.enabled (not .Values.metrics.image.tag) }}
{{- fail "metrics.enabled needs metrics.image.tag: upstream publishes the exporter image (docker.io/vineyardcloudnative/vineyard-grok-exporter) only as `latest`, for amd64 only, so the chart cannot pin one for you. Mirror it and set metrics.image.repository and metrics.image.tag (a tag or tag@sha256:digest you have checked)." }}
{{- end }}
{{- end }}
