#!/usr/bin/env bash
# Builds Flux's source-controller (the version Flux v2.9.4 ships) from the Go module proxy (no
# release downloads, no source in this repository) into a cache outside the repository, for the
# cluster tier's reconcile tests. A second run with the same inputs reuses the binary. Its CRDs are
# the vendored ones in crds/.
#   SOURCE_CONTROLLER_CACHE  cache root (default: $XDG_CACHE_HOME or ~/.cache, then /cdk8s-flux-webhooks/source-controller)
# Prints the directory holding the binary on its last line.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${SOURCE_CONTROLLER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk8s-flux-webhooks/source-controller}"
version="$(awk '$1 == "github.com/fluxcd/source-controller" { print $2 }' "$here/go.mod" | head -n1)"
key="$(cat "$here/build.sh" "$here/go.mod" "$here/go.sum" | sha256sum | cut -c1-16)"
out="$cache_root/$version-$key"

build() {
  # The flags of the upstream image build: static, trimmed paths. The main package is the module
  # root; go.mod lists it as a `tool` so that `go mod tidy` keeps the requirement.
  (cd "$here" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -o "$1/source-controller" github.com/fluxcd/source-controller)
}

# shellcheck source=../../../tools/go-build-cache.sh
source "$here/../../../tools/go-build-cache.sh"
GO_BUILD_HINT="see README prerequisites" cached_go_build "source-controller $version" "$out" build source-controller
