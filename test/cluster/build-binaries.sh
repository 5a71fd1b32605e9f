#!/usr/bin/env bash
# Builds the real cluster's Go binaries once per version into .tools/cluster/<version>/bin:
#   kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy
#     from the k8s.io/kubernetes module (its go.mod points its staging modules at
#     ./staging, so `go install` is refused: a throwaway main module requires it and
#     replaces each staging module with its published v0.X.Y twin);
#   coredns, with only the plugins the cluster's Corefile uses (the full plugin set
#     pulls in every cloud SDK and takes minutes longer to compile);
#   pause, the sandbox image's only file.
# All five Kubernetes binaries are built by one `go build`, so shared packages compile once.
# Re-running with the binaries present does nothing.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
K8S_VERSION=${K8S_VERSION:-v1.34.4}
COREDNS_VERSION=${COREDNS_VERSION:-v1.12.1}
out="$root/.tools/cluster/$K8S_VERSION/bin"
src="$root/.tools/cluster/src"
k8s_bins=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy)

have_all=true
for b in "${k8s_bins[@]}" coredns pause; do [[ -x "$out/$b" ]] || have_all=false; done
if $have_all; then echo "cluster binaries $K8S_VERSION present in .tools/cluster/$K8S_VERSION/bin"; exit 0; fi
mkdir -p "$out" "$src"
# GOTOOLCHAIN=auto: a Go older than the module needs fetches the right toolchain from the module proxy.
export CGO_ENABLED=0 GOFLAGS=-buildvcs=false GOTOOLCHAIN=${GOTOOLCHAIN:-auto}
started=$SECONDS

# --- Kubernetes -------------------------------------------------------------
minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
staging_version="v0.${K8S_VERSION#v1.}"
staging=(api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider
  cluster-bootstrap code-generator component-base component-helpers controller-manager cri-api
  cri-client csi-translation-lib dynamic-resource-allocation endpointslice externaljwt kms
  kube-aggregator kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics
  mount-utils pod-security-admission sample-apiserver sample-cli-plugin sample-controller)
kdir="$src/kubernetes-$K8S_VERSION"
mkdir -p "$kdir"
if [[ ! -f "$kdir/go.sum" ]]; then
  {
    echo "module local/kubernetes-build"
    echo
    echo "go 1.24"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    for m in "${staging[@]}"; do echo "replace k8s.io/$m => k8s.io/$m $staging_version"; done
  } >"$kdir/go.mod"
  cat >"$kdir/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
GO
  (cd "$kdir" && go mod tidy -e >/dev/null 2>&1 || true
   cd "$kdir" && for b in "${k8s_bins[@]}"; do go get "k8s.io/kubernetes/cmd/$b@$K8S_VERSION"; done)
fi
stamp=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  stamp+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  stamp+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
pkgs=(); for b in "${k8s_bins[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$b"); done
have_k8s=true
for b in "${k8s_bins[@]}"; do [[ -x "$out/$b" ]] || have_k8s=false; done
if ! $have_k8s; then
  echo "building ${k8s_bins[*]} $K8S_VERSION (from cold caches: about 8 to 11 minutes on 2 cores)"
  (cd "$kdir" && go build -trimpath -ldflags "-s -w$stamp" -o "$out/" "${pkgs[@]}")
fi

# --- CoreDNS ----------------------------------------------------------------
cdir="$src/coredns-$COREDNS_VERSION"
mkdir -p "$cdir"
cat >"$cdir/main.go" <<'GO'
// CoreDNS with the plugins the cluster's Corefile names, registered by import.
package main

import (
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/template"
)

func main() { coremain.Run() }
GO
if [[ ! -f "$cdir/go.sum" ]]; then
  printf 'module local/coredns-build\n\ngo 1.24\n' >"$cdir/go.mod"
  (cd "$cdir" && go get "github.com/coredns/coredns@$COREDNS_VERSION")
fi
(cd "$cdir" && go mod tidy)
if [[ ! -x "$out/coredns" ]]; then
  echo "building coredns $COREDNS_VERSION"
  (cd "$cdir" && go build -trimpath -ldflags "-s -w" -o "$out/coredns" .)
fi

# --- pause --------------------------------------------------------------------
pdir="$src/pause"
mkdir -p "$pdir"
printf 'module local/pause\n\ngo 1.24\n' >"$pdir/go.mod"
cp "$root/test/cluster/pause/main.go" "$pdir/main.go"
(cd "$pdir" && go build -trimpath -ldflags "-s -w" -o "$out/pause" .)

echo "cluster binaries $K8S_VERSION built in $((SECONDS - started))s into .tools/cluster/$K8S_VERSION/bin"
