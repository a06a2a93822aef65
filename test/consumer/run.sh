#!/usr/bin/env bash
# Consumer tests of the packed artifacts (run by `npx projen build` after `package`): what a user
# gets from npm and PyPI, installed into empty apps outside the repository.
#  npm:    the jsii tarball + its peer dependencies in a new app; a chart with WebhookReceiver,
#          FluxReceivers and an exposure synthesizes (its CEL filter compiled by the bundled, ESM-only
#          cel-js; a bad one throws); `npx flux-webhook-receiver --version` runs;
#          the tarball holds no repository-only files.
#  python: the wheel in a new virtualenv; its flux-webhook-receiver command runs; the same chart
#          synthesizes (CEL included), and so does Flux's whole
#          webhook guide for both backends (guide.py), object for object as the TypeScript
#          example (examples/_guide.ts, synthesized by `npx projen examples`).
# Needs the npm registry and PyPI (or caches of them), like `npm install` itself.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/test/consumer"
version="$(node -p "require('$root/package.json').version")"
tgz="$root/dist/js/cdk8s-flux-webhooks@$version.jsii.tgz"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "consumer: $*" >&2; exit 1; }
[[ -f "$tgz" ]] || fail "no $tgz: run 'npx projen package:js' first"

# The synthesized chart must hold the objects of all three constructs.
check_synth() {
  local out="$1" file
  file="$(ls "$out"/*.yaml 2>/dev/null | head -n1)"
  [[ -n "$file" ]] || fail "$2: nothing synthesized in $out"
  for kind in Deployment Service ServiceAccount Receiver GitRepository; do
    grep -q "^kind: $kind$" "$file" || fail "$2: no $kind in $file"
  done
  grep -q 'type: LoadBalancer' "$file" || fail "$2: no LoadBalancer Service in $file"
  grep -q 'name: flux-native' "$file" || fail "$2: no flux-native Receiver in $file"
  grep -qF "sets.contains(['refs/heads/main'], [req.ref])" "$file" || fail "$2: no compiled resourceFilter in $file"
  echo "consumer: $2 synthesized $(grep -c '^kind:' "$file") objects"
}

# --- what the tarball holds ----------------------------------------------------------------------
listing="$(tar tzf "$tgz")"
grep -qx 'package/assets/receiver-server/server.cjs' <<<"$listing" || fail "tarball lacks the bin's bundle"
if grep -E '^package/(\.ci|tools|crds|server|test|src)/|\.map$' <<<"$listing"; then
  fail "tarball holds repository-only files (above)"
fi

# --- npm ------------------------------------------------------------------------------------------
peer() { node -p "require('$root/node_modules/$1/package.json').version"; }
mkdir -p "$work/npm-app"
cd "$work/npm-app"
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error "$tgz" "cdk8s@$(peer cdk8s)" "cdk8s-plus-28@$(peer cdk8s-plus-28)" \
  "constructs@$(peer constructs)" >/dev/null
cp "$here/app.js" .
node app.js "$work/npm-out"
check_synth "$work/npm-out" npm
got="$(npx --no-install flux-webhook-receiver --version)"
[[ "$got" == *"$version"* ]] || fail "npx flux-webhook-receiver --version printed '$got', expected $version"
echo "consumer: npx flux-webhook-receiver --version → $got"

# --- python ---------------------------------------------------------------------------------------
wheel="$(ls "$root"/dist/python/*.whl 2>/dev/null | head -n1)"
[[ -n "$wheel" ]] || fail "no wheel in dist/python: run 'npx projen package:python' first"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "$wheel"
"$work/venv/bin/python" "$here/app.py" "$work/py-out"
check_synth "$work/py-out" python
# The README's Python example and its Python exposures, run as written against the wheel.
node -e '
  const readme = require("fs").readFileSync(process.argv[1], "utf8");
  const blocks = [...readme.matchAll(/```python\n([\s\S]*?)```/g)].map((m) => m[1]);
  if (blocks.length < 2) throw new Error("README.md has fewer than two python blocks");
  process.stdout.write(blocks[0].replace(/^app\.synth\(\)\n/m, "") + blocks[1] + "app.synth()\n");' "$root/README.md" > "$work/readme_app.py"
(cd "$work" && CDK8S_OUTDIR="$work/readme-py-out" "$work/venv/bin/python" readme_app.py)
readme_out="$(cat "$work"/readme-py-out/*.yaml)"
grep -q '^kind: GitRepository$' <<<"$readme_out" && grep -q '^  name: webapp$' <<<"$readme_out" \
  || fail "the README's Python example did not create the GitRepository webapp"
grep -q 'sectionName: https' <<<"$readme_out" || fail "the README's Python HTTPRoute lost its sectionName"
echo "consumer: the README's Python example synthesized $(grep -c '^kind:' <<<"$readme_out") objects"
# The wheel installs the bin too (it runs the bundled server with the node on PATH).
got="$("$work/venv/bin/flux-webhook-receiver" --version)"
[[ "$got" == *"$version"* ]] || fail "the wheel's flux-webhook-receiver --version printed '$got', expected $version"
echo "consumer: venv/bin/flux-webhook-receiver --version → $got"
EXAMPLES_OUTDIR="$work/ts-examples" npx --prefix "$root" ts-node --transpile-only --project "$root/examples/tsconfig.json" \
  "$root/examples/synth-all.ts" >/dev/null
for backend in webhook-receiver flux-receivers; do
  "$work/venv/bin/python" "$here/guide.py" "$work/guide-$backend" "$backend"
  expected="$work/ts-examples/guide-$backend"
  [[ -d "$expected" ]] || fail "no TypeScript guide example guide-$backend"
  {
    # Same objects as the TypeScript example (kind/namespace/name; generated names may differ).
    ids() { node -e '
      const { parseAllDocuments } = require(process.argv[2]);
      const fs = require("fs");
      const out = [];
      for (const f of fs.readdirSync(process.argv[1]).filter((f) => f.endsWith(".yaml")))
        for (const d of parseAllDocuments(fs.readFileSync(process.argv[1] + "/" + f, "utf8")).map((d) => d.toJS()).filter(Boolean))
          out.push(`${d.kind} ${d.metadata.namespace ?? ""}/${d.metadata.name}`);
      console.log(out.sort().join("\n"));' "$1" "$root/node_modules/yaml"; }
    diff <(ids "$expected") <(ids "$work/guide-$backend") || fail "python guide ($backend) differs from the TypeScript example (above)"
  }
  echo "consumer: python guide ($backend) synthesized $(cat "$work/guide-$backend"/*.yaml | grep -c '^kind:') objects"
done
