#!/usr/bin/env bash
# Publishes the npm tarball of dist/js/ with publib (what projen's own release jobs use: it skips a
# version npm already has). A pre-release (a version with `-`) goes under the dist-tag `next`, so
# `npm install cdk8s-flux-webhooks` keeps resolving to the latest release.
#   publish-npm.sh [--dry-run]   --dry-run: `npm publish --dry-run` of the same tarball and tag
#   NPM_TOKEN, or NPM_TRUSTED_PUBLISHER=true in a workflow npm trusts; NPM_DIST_TAG overrides the tag.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
version="$(node -p "require('$root/package.json').version")"
tgz="$root/dist/js/cdk8s-flux-webhooks@$version.jsii.tgz"
[[ -f "$tgz" ]] || { echo "publish-npm: no $tgz: run 'npx projen package:js' first" >&2; exit 1; }
if [[ "$version" == *-* ]]; then default_tag=next; else default_tag=latest; fi
export NPM_DIST_TAG="${NPM_DIST_TAG:-$default_tag}"
if [[ "${1:-}" == --dry-run ]]; then
  (cd "$(mktemp -d)" && npm publish --dry-run --tag "$NPM_DIST_TAG" "$tgz")
else
  cd "$root" && npx -p publib@0.2.1061 publib-npm dist/js
fi
