#!/usr/bin/env bash
# Builds actionlint (the GitHub Actions workflow linter) from the Go module proxy into a cache
# outside the repository; test/repo/workflows.test.ts lints .github/workflows/ with it. A second
# run with the same inputs reuses the binary.
#   ACTIONLINT_CACHE  cache root (default: $XDG_CACHE_HOME or ~/.cache, then /cdk8s-flux-webhooks/actionlint)
# Prints the directory holding the binary on its last line.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../../../tools/go-build-cache.sh
source "$here/../../../tools/go-build-cache.sh"
# The version string `actionlint -version` prints, as the upstream release build sets it.
GO_BUILD_HINT="see README prerequisites" go_tool_build actionlint \
  "${ACTIONLINT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk8s-flux-webhooks/actionlint}" \
  github.com/rhysd/actionlint github.com/rhysd/actionlint/cmd/actionlint \
  -ldflags "-s -w -X github.com/rhysd/actionlint.version=$(go_tool_version github.com/rhysd/actionlint)"
