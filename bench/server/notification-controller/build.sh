#!/usr/bin/env bash
# Builds Flux's notification-controller from the Go module proxy (no release downloads, no source
# in this repository) into a cache outside the repository, for `npx projen bench:server`. A second
# run with the same inputs reuses the binary.
#   NC_CACHE  cache root (default: $XDG_CACHE_HOME or ~/.cache, then /cdk8s-flux-webhooks/notification-controller)
# Also copies the module's Alert and Provider CRDs next to it (the controller will not start
# without them; the Receiver CRD is in the repository's crds/ already).
# Prints the directory holding the binary and crds/ on its last line.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

after_build() {
  local module_dir
  module_dir="$(cd "$here" && GOFLAGS=-mod=mod go list -m -f '{{.Dir}}' github.com/fluxcd/notification-controller)"
  mkdir -p "$1/crds"
  cp "$module_dir"/config/crd/bases/notification.toolkit.fluxcd.io_{alerts,providers}.yaml "$1/crds/"
}

# shellcheck source=../../../tools/go-build-cache.sh
source "$here/../../../tools/go-build-cache.sh"
# The main package is the module root.
GO_BUILD_HINT="see bench/README.md, or leave it out with --targets" go_tool_build notification-controller \
  "${NC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk8s-flux-webhooks/notification-controller}" \
  github.com/fluxcd/notification-controller github.com/fluxcd/notification-controller
