#!/usr/bin/env bash
# Builds Prometheus' promtool from the Go module proxy (no release downloads, no source in this
# repository) into a cache outside the repository, for the monitoring tests: `promtool check rules`
# parses every PromQL expression the constructs generate, `promtool test rules` runs the alert
# unit tests. A second run with the same inputs reuses the binary.
#   PROMTOOL_CACHE  cache root (default: $XDG_CACHE_HOME or ~/.cache, then /cdk8s-flux-webhooks/promtool)
# Prints the directory holding the binary on its last line.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../../../tools/go-build-cache.sh
source "$here/../../../tools/go-build-cache.sh"
GO_BUILD_HINT="see README prerequisites" go_tool_build promtool \
  "${PROMTOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk8s-flux-webhooks/promtool}" \
  github.com/prometheus/prometheus github.com/prometheus/prometheus/cmd/promtool
