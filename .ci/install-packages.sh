#!/usr/bin/env bash
# System packages the test suite needs on a fresh Debian machine (run as root).
# Docker engine for the image tests, debootstrap for the offline stand-in base
# images, PostgreSQL for the backend tests, Chromium for the browser test.
# The real single-node cluster (test/cluster/): etcd, a private containerd with
# runc, the CNI plugins, iptables/conntrack for kube-proxy, and Debian's
# docker-registry as the local OCI registry.
set -euo pipefail
packages=(docker.io debootstrap postgresql chromium fonts-dejavu-core ca-certificates git
  etcd-server containerd runc containernetworking-plugins iptables conntrack socat docker-registry iproute2 openssl)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "system packages ready: ${packages[*]}"
# Go builds the real cluster's binaries and kubectl-validate. This machine kind ships it; Debian's
# golang-go (1.19) is too old for Kubernetes 1.34's module (go 1.24), so say so instead of failing later.
if ! command -v go >/dev/null 2>&1; then
  echo "Go 1.21 or newer is required (go not found): install it, then run again (GOTOOLCHAIN=auto fetches the version the modules need)" >&2
  exit 1
fi
echo "go: $(go version)"
