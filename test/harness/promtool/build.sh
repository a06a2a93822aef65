#!/usr/bin/env bash
# Builds Prometheus' promtool from the Go module proxy (no release downloads, no source in this
# repository) into a cache outside the repository, for the monitoring tests: `promtool check rules`
# parses every PromQL expression the constructs generate, `promtool test rules` runs the alert
# unit tests. A second run with the same inputs reuses the binary.
#   PROMTOOL_CACHE  cache root (default: $XDG_CACHE_HOME or ~/.cache, then /cdk8s-flux-webhooks/promtool)
# Prints the directory holding the binary on its last line.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${PROMTOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk8s-flux-webhooks/promtool}"
version="$(awk '$1 == "github.com/prometheus/prometheus" { print $2 }' "$here/go.mod" | head -n1)"
key="$(cat "$here/build.sh" "$here/go.mod" "$here/go.sum" | sha256sum | cut -c1-16)"
out="$cache_root/$version-$key"

build() {
  # go.mod lists promtool as a `tool` so that `go mod tidy` keeps the requirement.
  (cd "$here" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -o "$1/promtool" github.com/prometheus/prometheus/cmd/promtool)
}

# shellcheck source=../../../tools/go-build-cache.sh
source "$here/../../../tools/go-build-cache.sh"
GO_BUILD_HINT="see README prerequisites" cached_go_build "promtool $version" "$out" build promtool
