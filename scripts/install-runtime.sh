#!/usr/bin/env bash
# Installs what the runtime suite (test/runtime/) runs: the real vineyardd and Python client into a
# project-local venv, .cache/venv-runtime/, from test/runtime/requirements-runtime.txt (pinned, --require-hashes),
# and Debian's etcd-server (/usr/bin/etcd) plus iproute2 (ip netns). Idempotent and cached: the venv is
# rebuilt only when the requirements file's sha256 (or the interpreter) differs from its stamp.
# Prints the venv's path on success; on a missing prerequisite it exits non-zero naming what to run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
req="$root/test/runtime/requirements-runtime.txt"
# under .cache/ (gitignored, and outside Biome's reach: the venv holds JSON files of its own)
venv="${VINEYARD_RUNTIME_VENV:-$root/.cache/venv-runtime}"

fail() { echo "install-runtime: $*" >&2; exit 1; }

# --- Debian packages: etcd (the chart's etcd image stands for it) and ip (network namespaces) ---
need_pkgs=()
[ -x /usr/bin/etcd ] || need_pkgs+=(etcd-server)
command -v ip >/dev/null 2>&1 || need_pkgs+=(iproute2)
command -v unshare >/dev/null 2>&1 && command -v setpriv >/dev/null 2>&1 || need_pkgs+=(util-linux)
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    fail "missing ${need_pkgs[*]}; run as root: apt-get install -y ${need_pkgs[*]}"
  fi
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then # the package must not start an etcd service
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && made_policy=1
  fi
  apt_install() {
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y -qq --no-install-recommends "${need_pkgs[@]}" >&2
  }
  apt_install || { apt-get -o DPkg::Lock::Timeout=120 update -qq >&2 && apt_install; } ||
    { [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d; fail "apt-get install ${need_pkgs[*]} failed"; }
  [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
  # Debian's package may have started etcd through an init system; the suite starts its own.
  systemctl disable --now etcd >/dev/null 2>&1 || true
fi

# --- Python: the hashes are for CPython 3.11 on Linux x86_64 ---
python="${VINEYARD_RUNTIME_PYTHON:-}"
if [ -z "$python" ]; then
  for candidate in python3.11 /root/.pyenv/shims/python3 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      [ "$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" = 3.11 ]; then
      python="$(command -v "$candidate")"
      break
    fi
  done
fi
[ -n "$python" ] || fail "no CPython 3.11 found (the pinned wheels are cp311): install it, or set VINEYARD_RUNTIME_PYTHON"
[ "$(uname -m)" = x86_64 ] || fail "the pinned wheels are for x86_64, this is $(uname -m)"

want="$(sha256sum "$req" | cut -d' ' -f1) $("$python" -c 'import sys; print(sys.version.split()[0])')"
mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
flock -w 600 9 || fail "timed out waiting for another install-runtime (lock $venv.lock)"
if [ -f "$venv/.stamp" ] && [ "$(cat "$venv/.stamp")" = "$want" ] && [ -x "$venv/bin/python3" ]; then
  echo "$venv"
  exit 0
fi
echo "install-runtime: building $venv from $(basename "$req") ($python)" >&2
rm -rf "$venv"
"$python" -m venv "$venv"
PIP_DISABLE_PIP_VERSION_CHECK=1 timeout 900 "$venv/bin/python3" -m pip install -q --no-input \
  --require-hashes --no-deps -r "$req" >&2 || fail "pip install -r $req failed (network? see above)"
vineyardd="$("$venv/bin/python3" -c 'import vineyard.bdist, os; print(os.path.join(os.path.dirname(vineyard.bdist.__file__), "vineyardd"))')"
[ -x "$vineyardd" ] || fail "vineyard-bdist has no runnable vineyardd at $vineyardd"
timeout 30 "$vineyardd" --version >/dev/null 2>&1 || timeout 30 "$vineyardd" --helpshort >/dev/null 2>&1 ||
  fail "$vineyardd does not run ($(timeout 30 "$vineyardd" --version 2>&1 | tail -1))"
echo "$want" >"$venv/.stamp"
echo "$venv"
