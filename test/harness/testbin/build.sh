#!/usr/bin/env bash
# Builds kube-apiserver and etcd from the Go module proxy (no release downloads) into a cache
# outside the repository. A second run with the same inputs reuses the binaries.
#   TESTBIN_CACHE  cache root (default: $XDG_CACHE_HOME or ~/.cache, then /cdk8s-flux-webhooks/testbin)
# Prints the directory holding the binaries on its last line.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${TESTBIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk8s-flux-webhooks/testbin}"
k8s_version="$(awk '$1 == "k8s.io/kubernetes" { print $2 }' "$here/go.mod" | head -n1)"
etcd_version="$(awk '$1 == "go.etcd.io/etcd/server/v3" { print $2 }' "$here/go.sum" | grep -v go.mod | head -n1)"
key="$(cat "$here/build.sh" "$here/go.mod" "$here/go.sum" "$here/kube-apiserver/main.go" "$here/etcd/main.go" | sha256sum | cut -c1-16)"
out="$cache_root/k8s-$k8s_version-etcd-$etcd_version-$key"

build() {
  local minor
  minor="$(echo "$k8s_version" | cut -d. -f2)"
  # Stamp the version the way Kubernetes' release build does, so /version reports it.
  local ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$k8s_version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
  (cd "$here" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags="$ldflags" -o "$1/" ./kube-apiserver ./etcd)
}

# shellcheck source=../../../tools/go-build-cache.sh
source "$here/../../../tools/go-build-cache.sh"
GO_BUILD_HINT="see README prerequisites" cached_go_build "testbin (kube-apiserver $k8s_version, etcd $etcd_version)" "$out" build kube-apiserver etcd
