#!/usr/bin/env bash
# Pushes the receiver image of image/out/ (the index of both architectures, digests preserved) to
# the reference the constructs deploy by default: the layout's `<repository>:v<package version>`.
#   publish-image.sh [--layout DIR] [--repository REPO] [--digest-file FILE] [skopeo copy options]
#     --repository  push to REPO:v<version> instead (the release suite pushes to a loopback registry)
#   IMAGE_REGISTRY_USERNAME, IMAGE_REGISTRY_PASSWORD  the registry's credentials (ghcr.io: a token
#     with write:packages); read into a temporary auth file, never put on a command line.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
layout="$root/image/out" repository="" digest_file=""
while (( $# > 0 )); do
  case "$1" in
    --layout) layout="$2"; shift 2 ;;
    --repository) repository="$2"; shift 2 ;;
    --digest-file) digest_file="$2"; shift 2 ;;
    *) break ;;
  esac
done
fail() { echo "publish-image: $*" >&2; exit 1; }
command -v skopeo >/dev/null || fail "skopeo is required (apt-get install skopeo)"
version="$(node -p "require('$root/package.json').version")"
[[ -f "$layout/index.json" ]] || fail "no image in $layout: run 'npx projen image' first"
# The layout's reference for this version; none means the image was built for another version.
ref="$(node -e '
  const [layout, tag] = process.argv.slice(1);
  const refs = require(layout + "/index.json").manifests.map((m) => (m.annotations || {})["org.opencontainers.image.ref.name"] || "");
  const ref = refs.find((r) => r.endsWith(":" + tag));
  if (!ref) { console.error(`publish-image: ${layout} has no image tagged ${tag} (it has: ${refs.join(", ")}); rebuild it with npx projen image`); process.exit(1); }
  console.log(ref);' "$layout" "v$version")"
dest="${repository:-${ref%:*}}:v$version"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
auth=()
if [[ -n "${IMAGE_REGISTRY_USERNAME:-}" ]]; then
  # The login talks to the registry the copy pushes to, so it takes the copy's TLS choice.
  login_tls=()
  for arg in "$@"; do [[ "$arg" == --dest-tls-verify=* ]] && login_tls=("--tls-verify=${arg#*=}"); done
  printf '%s' "${IMAGE_REGISTRY_PASSWORD:?IMAGE_REGISTRY_PASSWORD is not set}" \
    | skopeo login "${login_tls[@]}" --authfile "$work/auth.json" --username "$IMAGE_REGISTRY_USERNAME" --password-stdin "${dest%%/*}" >/dev/null
  auth=(--dest-authfile "$work/auth.json")
fi
skopeo copy --quiet --all --preserve-digests --digestfile "$work/digest" "${auth[@]}" "$@" "oci:$layout:$ref" "docker://$dest"
echo "publish-image: pushed $dest ($(cat "$work/digest"))"
[[ -z "$digest_file" ]] || cp "$work/digest" "$digest_file"
