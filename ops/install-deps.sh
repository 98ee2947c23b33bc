#!/usr/bin/env bash
# Installs the Debian packages that building Sluice and running its tests need.
# Idempotent and non-interactive: safe to run on every CI run and on a developer machine.
# Usage: bash ops/install-deps.sh        (as root, or with sudo available)
set -euo pipefail

# Build dependencies first, then the servers the tests start, then the C libraries that
# the connector wrappers link (cheap, and later work needs them). prometheus: its
# promtool checks ops/prometheus/sluice-alerts.yaml (OpsManifestTests); 22 MB, no service
# is started.
packages=(
  libsqlite3-dev pkg-config
  rabbitmq-server postgresql-15
  librabbitmq-dev librdkafka-dev libpq-dev liblz4-dev libssl-dev openssl
  prometheus
)

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  [[ $status == installed ]] || missing+=("$package")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
# Another apt run on the same machine holds the dpkg lock: wait for it instead of failing.
apt_options=(-q -y -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
echo "install-deps: installing ${missing[*]}"
"${sudo_cmd[@]}" apt-get "${apt_options[@]}" update >/dev/null
"${sudo_cmd[@]}" apt-get "${apt_options[@]}" install --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
