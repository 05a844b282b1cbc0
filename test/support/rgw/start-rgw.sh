#!/usr/bin/env bash
# Starts a throw-away single-node Ceph cluster (1 monitor, 1 RAM-backed OSD, no cephx) and a RADOS
# Gateway on 127.0.0.1, for the publish tests. Everything lives under $CEPH_DIR, which the caller makes
# unique per run; the caller also picks free ports. Never installs packages (.ci/run does that).
#
#   CEPH_DIR (required)  RGW_PORT MON_PORT MON_PORT_V1 (required)
#   S3_ACCESS_KEY S3_SECRET_KEY S3_BUCKET (required)   START_TIMEOUT=60 (seconds per wait)
# On success writes $CEPH_DIR/rgw.env (shell assignments) and exits 0. On failure it kills what it
# started (by PID, checking the process name) and prints the tail of the daemons' logs.
set -euo pipefail
: "${CEPH_DIR:?}" "${RGW_PORT:?}" "${MON_PORT:?}" "${MON_PORT_V1:?}" "${S3_ACCESS_KEY:?}" "${S3_SECRET_KEY:?}" "${S3_BUCKET:?}"
START_TIMEOUT=${START_TIMEOUT:-60}
DATA=$CEPH_DIR/data
ENDPOINT=http://127.0.0.1:$RGW_PORT
log() { echo "[rgw] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
# a zombie is not running (daemonised children may be reaped late)
pid_running() { local st; st=$(awk '{print $3}' /proc/"$1"/stat 2>/dev/null) && [ -n "$st" ] && [ "$st" != Z ]; }

for b in ceph-mon ceph-osd radosgw radosgw-admin ceph monmaptool curl; do
  command -v "$b" >/dev/null 2>&1 || die "$b not found: install the Debian packages radosgw ceph-mon ceph-osd ceph-common curl"
done

mkdir -p "$DATA"/{mon/a,osd/0,rgw,log,run,crash}
CONF=$DATA/ceph.conf
FSID=$(cat /proc/sys/kernel/random/uuid)
cat >"$CONF" <<CONF
[global]
fsid = $FSID
mon host = [v2:127.0.0.1:$MON_PORT,v1:127.0.0.1:$MON_PORT_V1]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
auth supported = none
# radosgw asks for a "secure" mon connection by default, which auth=none cannot give
ms mon client mode = crc secure
keyring = /dev/null
run dir = $DATA/run
admin socket = $DATA/run/\$name.asok
pid file = $DATA/run/\$name.pid
log file = $DATA/log/\$name.log
crash dir = $DATA/crash
log to stderr = false
err to stderr = false
client mount timeout = 30
rados mon op timeout = 30
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
# rgw creates several pools at first start; the default 1 s proposal batching makes that slow
paxos propose interval = 0.05
paxos min wait = 0.01

[mon]
mon data = $DATA/mon/\$id
mon cluster log file = $DATA/log/cluster.log

[osd]
osd data = $DATA/osd/\$id
osd objectstore = memstore
memstore device bytes = 1073741824

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw data = $DATA/rgw
rgw thread pool size = 64
CONF
C=(-c "$CONF")
export CEPH_CONF=$CONF

kill_ours() {
  local f p
  for f in "$DATA"/run/*.pid; do
    p=$(cat "$f" 2>/dev/null) || continue
    pid_running "$p" || continue
    case "$(cat /proc/"$p"/comm 2>/dev/null)" in
      ceph-mon|ceph-osd|radosgw) kill -KILL "$p" 2>/dev/null || true;;
    esac
  done
}
on_exit() {
  local rc=$?
  [ "$rc" = 0 ] && return
  for f in "$DATA"/log/*.log; do [ -f "$f" ] && { echo "== $f" >&2; tail -5 "$f" >&2; }; done
  kill_ours
  exit "$rc"
}
trap on_exit EXIT

wait_for() {
  local what=$1; shift
  local deadline=$(( $(date +%s) + START_TIMEOUT ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || die "timeout (${START_TIMEOUT}s) waiting for $what"
    sleep 0.1
  done
}
alive() { local p; p=$(cat "$DATA/run/$1.pid" 2>/dev/null) && pid_running "$p"; }

monmaptool --create --addv a "[v2:127.0.0.1:$MON_PORT,v1:127.0.0.1:$MON_PORT_V1]" --fsid "$FSID" "$DATA/monmap" >/dev/null
ceph-mon "${C[@]}" --mkfs -i a --monmap "$DATA/monmap" >/dev/null
ceph-mon "${C[@]}" -i a
wait_for "ceph-mon" alive mon.a
wait_for "mon quorum" timeout 10 ceph "${C[@]}" --connect-timeout 5 mon stat

OSD_UUID=$(cat /proc/sys/kernel/random/uuid)
OSD_ID=$(timeout 30 ceph "${C[@]}" osd new "$OSD_UUID")
[ "$OSD_ID" = 0 ] || die "unexpected osd id '$OSD_ID'"
ceph-osd "${C[@]}" -i 0 --mkfs --osd-uuid "$OSD_UUID" >/dev/null 2>&1
ceph-osd "${C[@]}" -i 0
wait_for "ceph-osd" alive osd.0
osd_up() { alive osd.0 && timeout 10 ceph "${C[@]}" osd stat -f json | grep -q '"num_up_osds":1,'; }
wait_for "osd.0 up" osd_up

radosgw "${C[@]}" -n client.rgw.a
wait_for "radosgw" alive client.rgw.a
rgw_http() { alive client.rgw.a && curl -fsS -o /dev/null "$ENDPOINT/"; }
wait_for "radosgw http on $ENDPOINT" rgw_http

timeout 30 radosgw-admin "${C[@]}" user create --uid=publisher --display-name=publisher \
  --access-key="$S3_ACCESS_KEY" --secret-key="$S3_SECRET_KEY" >/dev/null
# curl's --aws-sigv4 does not send x-amz-content-sha256 itself, and signs a bare "?policy" wrongly.
s3curl() { curl -fsS --aws-sigv4 "aws:amz:us-east-1:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$@"; }
s3curl -X PUT "$ENDPOINT/$S3_BUCKET" -o /dev/null
# anonymous read, so helm can add the bucket as a repository by plain HTTP
policy='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::'$S3_BUCKET'/*"]}]}'
s3curl -X PUT "$ENDPOINT/$S3_BUCKET?policy=" -H 'Content-Type: application/json' --data-binary "$policy" -o /dev/null
echo "$ENDPOINT" >"$CEPH_DIR/endpoint"
log "ready on $ENDPOINT (bucket $S3_BUCKET)"
