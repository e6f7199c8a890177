#!/usr/bin/env bash
# The generated SDKs in sdk/ (nodejs, python, go), made from provider/schema.json.
#
#   scripts/gen-sdk.sh                        regenerate sdk/            (npm run sdk)
#   scripts/gen-sdk.sh --check                fail when sdk/ differs from a fresh regeneration
#                                             of provider/schema.json    (npm run sdk:check, in npm test)
#   scripts/gen-sdk.sh --schema F --out D     generate from another schema into another directory
#
# The generator (toolchain/sdkgen) is built once per source version and cached outside the
# repository, like the rest of the toolchain; a cached run takes well under a second.
#
# Hand-written additions to the SDKs live in sdk-overlay/<language>/, laid out as in the SDK: they are
# copied in after generation (a file the generator also writes is an error), so the staleness check
# compares them too. Today: the Python and Go pod defaults transforms.
# Env: KUBEOVN_TOOLCHAIN_CACHE  cache root (default ~/.cache/pulumi-kubeovn)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
schema="$root/provider/schema.json"
out="$root/sdk"
check=0
while [ $# -gt 0 ]; do
  case "$1" in
    --check) check=1 ;;
    --schema) schema=$(realpath "$2"); shift ;;
    --out) out=$(realpath -m "$2"); shift ;;
    *) echo "usage: $0 [--check] [--schema FILE] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done

log() { echo "[sdk] $*" >&2; }

# generator: the path of the built sdkgen, building it first when this source version is new.
generator() {
  local src="$root/toolchain/sdkgen"
  local cache=${KUBEOVN_TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-kubeovn}
  local digest
  digest=$(cat "$src/go.mod" "$src/go.sum" "$src"/*.go | sha256sum | cut -c1-12)
  local bin="$cache/sdkgen-$digest/sdkgen"
  if [ ! -x "$bin" ]; then
    command -v go >/dev/null || { log "Go is required to build the SDK generator (none on PATH)"; exit 1; }
    mkdir -p "$cache"
    exec 8>"$cache/.sdkgen.lock"
    flock 8
    if [ ! -x "$bin" ]; then
      log "building the SDK generator (first run only; minutes on a cold Go cache)..."
      local started=$SECONDS
      (cd "$src" && GOFLAGS=-mod=readonly CGO_ENABLED=0 GOTOOLCHAIN=local \
        go build -trimpath -o "$bin.tmp" .) >&2
      mv "$bin.tmp" "$bin"
      log "built in $((SECONDS - started))s: $bin"
    fi
  fi
  echo "$bin"
}

sdkgen=$(generator)

# generate DIR: the SDKs from $schema into DIR, with the overlay and the Python README where pyproject.toml wants it.
generate() {
  local dir=$1 f
  "$sdkgen" "$schema" "$dir"
  (cd "$root/sdk-overlay" && find . -type f) | while read -r f; do
    if [ -e "$dir/$f" ]; then log "sdk-overlay/${f#./} would replace a generated file"; exit 1; fi
    mkdir -p "$(dirname "$dir/$f")"
    cp "$root/sdk-overlay/$f" "$dir/$f"
  done
  # The Go generator's go.mod requires pulumi's Go SDK v3.30.0, far older than what the code it writes
  # calls (InvokeOutput, resource transforms); `pulumi package gen-sdk` fixes that with `go mod tidy`
  # (network, and a go.sum to keep). Require the release whose generator wrote the code instead.
  local pulumi_version
  pulumi_version=$(sed -n 's/^PULUMI_VERSION=//p' "$root/toolchain/versions.env")
  sed -i "s#^require github.com/pulumi/pulumi/sdk/v3 v3.30.0\$#require github.com/pulumi/pulumi/sdk/v3 v$pulumi_version#" "$dir/go/go.mod"
  grep -q "^require github.com/pulumi/pulumi/sdk/v3 v$pulumi_version\$" "$dir/go/go.mod" ||
    { log "sdk/go/go.mod: could not set the pulumi SDK requirement to v$pulumi_version"; exit 1; }
  # pyproject.toml names README.md beside it (the package description on PyPI); the generator writes
  # it only inside the package.
  cp "$dir/python/pulumi_kubeovn/README.md" "$dir/python/README.md"
}

if [ $check = 0 ]; then
  generate "$out"
  log "wrote $out/{nodejs,python,go} from $schema"
  exit 0
fi

fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT
generate "$fresh"
# Build and install leftovers inside sdk/ (ignored by git) are not part of the comparison.
if ! diff -r --exclude=node_modules --exclude=bin --exclude=build --exclude='*.egg-info' \
    --exclude=__pycache__ --exclude=dist "$out" "$fresh" >"$fresh.diff" 2>&1; then
  head -n 40 "$fresh.diff" >&2
  rm -f "$fresh.diff"
  log "sdk/ is stale: it differs from what $(basename "$schema") generates. Run \`npm run sdk\` and commit sdk/."
  exit 1
fi
rm -f "$fresh.diff"
log "sdk/ matches $schema"
