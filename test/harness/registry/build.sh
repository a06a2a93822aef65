#!/usr/bin/env bash
# Builds the CNCF distribution registry (github.com/distribution/distribution/v3, the reference OCI
# registry) from the Go module proxy into a cache outside the repository, for tests that push and
# pull OCI artifacts and images on loopback. A second run with the same inputs reuses the binary.
#   REGISTRY_CACHE  cache root (default: $XDG_CACHE_HOME or ~/.cache, then /cdk8s-flux-webhooks/registry)
# Prints the directory holding the binary on its last line.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${REGISTRY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk8s-flux-webhooks/registry}"
version="$(awk '$1 == "github.com/distribution/distribution/v3" { print $2 }' "$here/go.mod" | head -n1)"
key="$(cat "$here/build.sh" "$here/go.mod" "$here/go.sum" | sha256sum | cut -c1-16)"
out="$cache_root/$version-$key"

build() {
  # go.mod lists the command as a `tool` so that `go mod tidy` keeps the requirement.
  (cd "$here" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -o "$1/registry" github.com/distribution/distribution/v3/cmd/registry)
}

# shellcheck source=../../../tools/go-build-cache.sh
source "$here/../../../tools/go-build-cache.sh"
GO_BUILD_HINT="see README prerequisites" cached_go_build "registry $version" "$out" build registry
