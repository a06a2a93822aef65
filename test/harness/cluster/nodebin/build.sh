#!/usr/bin/env bash
# Builds the node half of the test cluster from the Go module proxy (no release downloads) into a
# cache outside the repository: kube-controller-manager, kube-scheduler, kubelet and kube-proxy
# from the same k8s.io/kubernetes version as the harness's kube-apiserver (test/harness/testbin),
# and the static pod-sandbox program `pause`. A second run with the same inputs reuses them.
#   NODEBIN_CACHE  cache root (default: $XDG_CACHE_HOME or ~/.cache, then /cdk8s-flux-webhooks/nodebin)
# Prints the directory holding the binaries on its last line.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${NODEBIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk8s-flux-webhooks/nodebin}"
k8s_version="$(awk '$1 == "k8s.io/kubernetes" { print $2 }' "$here/go.mod" | head -n1)"
apiserver_version="$(awk '$1 == "k8s.io/kubernetes" { print $2 }' "$here/../../testbin/go.mod" | head -n1)"
if [[ "$k8s_version" != "$apiserver_version" ]]; then
  echo "nodebin: k8s.io/kubernetes is $k8s_version here but $apiserver_version in test/harness/testbin/go.mod; pin both to one version" >&2
  exit 1
fi
key="$(cat "$here/build.sh" "$here/go.mod" "$here/go.sum" "$here/pause/main.go" | sha256sum | cut -c1-16)"
out="$cache_root/k8s-$k8s_version-$key"

build() {
  local minor
  minor="$(echo "$k8s_version" | cut -d. -f2)"
  # Stamped like the release build (and testbin/build.sh), so the node reports its version.
  local ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$k8s_version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
  (cd "$here" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags="$ldflags" -o "$1/" \
    k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler \
    k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy ./pause)
}

# shellcheck source=../../../../tools/go-build-cache.sh
source "$here/../../../../tools/go-build-cache.sh"
GO_BUILD_HINT="see README prerequisites" cached_go_build "nodebin (kube-controller-manager, kube-scheduler, kubelet, kube-proxy $k8s_version)" "$out" build \
  kube-controller-manager kube-scheduler kubelet kube-proxy pause
