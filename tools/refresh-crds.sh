#!/usr/bin/env bash
# Refreshes the vendored CRDs (crds/) and the Flux install fixture (test/fixtures/flux-install/)
# from a directory holding newer copies, e.g. a checkout of the upstream files laid out flat.
#   bash tools/refresh-crds.sh <crd-dir> [<flux-install-fixture.yaml>]
# Only files already vendored are replaced (a new CRD is added by copying it in by hand and
# writing its provenance row in crds/README.md); update the provenance rows afterwards.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="${1:?usage: refresh-crds.sh <crd-dir> [<flux-install-fixture.yaml>]}"
[[ -d "$src" ]] || { echo "refresh-crds: $src is not a directory" >&2; exit 1; }
changed=0
for f in "$root"/crds/*.yaml; do
  name="$(basename "$f")"
  if [[ ! -f "$src/$name" ]]; then echo "refresh-crds: $name missing in $src, kept" >&2; continue; fi
  if ! cmp -s "$src/$name" "$f"; then cp "$src/$name" "$f"; echo "updated crds/$name"; changed=1; fi
done
if [[ $# -ge 2 ]]; then
  fixture="$root/test/fixtures/flux-install/$(basename "$2")"
  if ! cmp -s "$2" "$fixture" 2>/dev/null; then cp "$2" "$fixture"; echo "updated ${fixture#"$root"/}"; changed=1; fi
fi
if [[ $changed == 1 ]]; then
  echo "refresh-crds: update the provenance in crds/README.md, then run: npx projen import:crds && npx projen build" >&2
fi
