#!/usr/bin/env bash
# Builds Flux's source-controller (the version Flux v2.9.4 ships) from the Go module proxy (no
# release downloads, no source in this repository) into a cache outside the repository, for the
# cluster tier's reconcile tests. A second run with the same inputs reuses the binary. Its CRDs are
# the vendored ones in crds/.
#   SOURCE_CONTROLLER_CACHE  cache root (default: $XDG_CACHE_HOME or ~/.cache, then /cdk8s-flux-webhooks/source-controller)
# Prints the directory holding the binary on its last line.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../../../tools/go-build-cache.sh
source "$here/../../../tools/go-build-cache.sh"
# The main package is the module root.
GO_BUILD_HINT="see README prerequisites" go_tool_build source-controller \
  "${SOURCE_CONTROLLER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk8s-flux-webhooks/source-controller}" \
  github.com/fluxcd/source-controller github.com/fluxcd/source-controller
