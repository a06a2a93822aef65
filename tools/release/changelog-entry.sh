#!/usr/bin/env bash
# Prints the CHANGELOG.md entry of one version, as `npx projen release` wrote it (`## 1.2.0 (date)`
# or `## [1.2.0](compare URL) (date)`, `###` for a patch), without its heading; fails when there is
# none. The release workflow refuses a tag without an entry and uses the entry as release notes.
#   changelog-entry.sh <version> [changelog]
set -euo pipefail
version="${1:?usage: changelog-entry.sh <version> [changelog]}"
changelog="${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/CHANGELOG.md}"
awk -v v="$version" '
  # The version a release heading names ("" for any other line, e.g. "### Features").
  function heading_version(line) {
    if (line !~ /^##+ \[?[0-9]+\.[0-9]+\.[0-9]+/) return ""
    sub(/^##+ \[?/, "", line); sub(/[\] (].*$/, "", line); return line
  }
  heading_version($0) != "" { if (found) exit; if (heading_version($0) == v) { found = 1; next } }
  found { print }
  END { if (!found) { print "changelog-entry: " FILENAME " has no entry for " v > "/dev/stderr"; exit 1 } }
' "$changelog"
