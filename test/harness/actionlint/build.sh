#!/usr/bin/env bash
# Builds actionlint (the GitHub Actions workflow linter) from the Go module proxy into a cache
# outside the repository; test/repo/workflows.test.ts lints .github/workflows/ with it. A second
# run with the same inputs reuses the binary.
#   ACTIONLINT_CACHE  cache root (default: $XDG_CACHE_HOME or ~/.cache, then /cdk8s-flux-webhooks/actionlint)
# Prints the directory holding the binary on its last line.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${ACTIONLINT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk8s-flux-webhooks/actionlint}"
version="$(awk '$1 == "github.com/rhysd/actionlint" { print $2 }' "$here/go.mod" | head -n1)"
key="$(cat "$here/build.sh" "$here/go.mod" "$here/go.sum" | sha256sum | cut -c1-16)"
out="$cache_root/$version-$key"

build() {
  # The version string `actionlint -version` prints, as the upstream release build sets it.
  (cd "$here" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X github.com/rhysd/actionlint.version=$version" \
    -o "$1/actionlint" github.com/rhysd/actionlint/cmd/actionlint)
}

# shellcheck source=../../../tools/go-build-cache.sh
source "$here/../../../tools/go-build-cache.sh"
GO_BUILD_HINT="see README prerequisites" cached_go_build "actionlint $version" "$out" build actionlint
