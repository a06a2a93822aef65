#!/usr/bin/env bash
# Regenerates the typed L1 classes in src/imports/ with `cdk8s import`, one module per API group,
# from the vendored Flux, Gateway API and Prometheus operator CRDs in crds/ (or $FLUX_WEBHOOKS_CRD_DIR).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
crds="${FLUX_WEBHOOKS_CRD_DIR:-$root/crds}"
out="$root/src/imports"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

groups=(source.toolkit.fluxcd.io image.toolkit.fluxcd.io kustomize.toolkit.fluxcd.io helm.toolkit.fluxcd.io
        notification.toolkit.fluxcd.io source.extensions.fluxcd.io gateway.networking.k8s.io monitoring.coreos.com)
rm -f "$out"/*.ts
mkdir -p "$out"
for group in "${groups[@]}"; do
  files=("$crds/${group}"_*.yaml)
  [[ -e "${files[0]}" ]] || { echo "no CRDs for $group in $crds" >&2; exit 1; }
  # One multi-document file per group, so each group becomes one module.
  for f in "${files[@]}"; do cat "$f"; printf '\n---\n'; done > "$work/$group.yaml"
  # cdk8s-cli's update check cannot reach the internet here and prints a stack trace; keep the
  # output for failures only.
  if ! (cd "$work" && npx --prefix "$root" cdk8s import --language typescript --output "$work/out" "$work/$group.yaml" >"$work/log" 2>&1) \
     || [[ ! -f "$work/out/$group.ts" ]]; then
    cat "$work/log" >&2; exit 1
  fi
  mv "$work/out/$group.ts" "$out/$group.ts"
done
ls "$out"
