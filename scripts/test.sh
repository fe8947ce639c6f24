#!/usr/bin/env bash
# Runs the whole test suite (unit tests with Surefire, integration tests against real
# redis-server, etcd and in-process s3proxy with Failsafe) on a fresh machine.
# Installs what it needs: the backend binaries (Debian packages) and Maven (via the wrapper).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
command -v etcdctl >/dev/null 2>&1 || need+=(etcd-client)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]} (Debian packages, for integration tests)"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need[@]}"
fi

# The Debian packages may start system services; tests start their own processes on random
# loopback ports and never use those.
exec ./mvnw -B -ntp "$@" install
