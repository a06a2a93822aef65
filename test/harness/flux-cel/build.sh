#!/usr/bin/env bash
# Builds flux-cel (main.go: Flux's CEL runtime behind a line protocol) from the Go module proxy
# into a cache outside the repository. A second run with the same inputs reuses the binary.
#   FLUX_CEL_CACHE  cache root (default: $XDG_CACHE_HOME or ~/.cache, then /cdk8s-flux-webhooks/flux-cel)
# Prints the directory holding the binary on its last line.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${FLUX_CEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk8s-flux-webhooks/flux-cel}"
key="$(cat "$here/build.sh" "$here/go.mod" "$here/go.sum" "$here/main.go" | sha256sum | cut -c1-16)"
out="$cache_root/$key"

build() {
  (cd "$here" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -o "$1/flux-cel" .)
}

# shellcheck source=../../../tools/go-build-cache.sh
source "$here/../../../tools/go-build-cache.sh"
GO_BUILD_HINT="see README prerequisites" cached_go_build "flux-cel (fluxcd/pkg/runtime/cel)" "$out" build flux-cel
