#!/usr/bin/env bash
# Builds the CNCF distribution registry (github.com/distribution/distribution/v3, the reference OCI
# registry) from the Go module proxy into a cache outside the repository, for tests that push and
# pull OCI artifacts and images on loopback. A second run with the same inputs reuses the binary.
#   REGISTRY_CACHE  cache root (default: $XDG_CACHE_HOME or ~/.cache, then /cdk8s-flux-webhooks/registry)
# Prints the directory holding the binary on its last line.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../../../tools/go-build-cache.sh
source "$here/../../../tools/go-build-cache.sh"
GO_BUILD_HINT="see README prerequisites" go_tool_build registry \
  "${REGISTRY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk8s-flux-webhooks/registry}" \
  github.com/distribution/distribution/v3 github.com/distribution/distribution/v3/cmd/registry
