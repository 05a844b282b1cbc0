#!/usr/bin/env bash
# Stops the cluster started by start-rgw.sh in $CEPH_DIR, by PID only (checking the process name, so a
# reused PID is never signalled), one daemon at a time (radosgw waits on the OSD, the OSD on the
# monitor), SIGTERM then SIGKILL after STOP_TIMEOUT seconds; then removes $CEPH_DIR.
set -uo pipefail
: "${CEPH_DIR:?}"
DATA=$CEPH_DIR/data
STOP_TIMEOUT=${STOP_TIMEOUT:-5}
running() { local st; st=$(awk '{print $3}' /proc/"$1"/stat 2>/dev/null) && [ -n "$st" ] && [ "$st" != Z ]; }
ours() { case "$(cat /proc/"$1"/comm 2>/dev/null)" in ceph-mon|ceph-osd|radosgw) return 0;; esac; return 1; }
stop_one() {
  local f=$DATA/run/$1.pid p deadline
  [ -f "$f" ] || return 0
  p=$(cat "$f" 2>/dev/null)
  [[ "$p" =~ ^[0-9]+$ ]] || return 0
  running "$p" && ours "$p" || return 0
  kill -TERM "$p" 2>/dev/null
  deadline=$(( $(date +%s) + STOP_TIMEOUT ))
  while running "$p" && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.1; done
  if running "$p" && ours "$p"; then kill -KILL "$p" 2>/dev/null; fi
  while running "$p"; do sleep 0.1; done
}
stop_one client.rgw.a
stop_one osd.0
stop_one mon.a
[ "${KEEP_DATA:-0}" = 1 ] || rm -rf "$CEPH_DIR"
