#!/usr/bin/env bash
# Provides the pinned binaries the demo and the end-to-end tests run with:
#   pulumi, pulumi-language-yaml, pulumi-resource-kubernetes, kube-apiserver, kube-controller-manager, etcd,
#   kube-ovn-controller (with the files of its module the local cluster needs: OVN schemas, CRDs,
#   nat-gateway.sh) and kwok (with its node and pod stages); and OVN's ovsdb-server from Debian. Also
#   pulumi-analyzer-policy-nodejs (a script of this directory), which runs Node.js policy packs.
# No Node.js, Python or Go language host: the proxy refuses their modules (403 "not available" for
# github.com/pulumi/pulumi/sdk/{nodejs/cmd/pulumi-language-nodejs,python/cmd/pulumi-language-python,
# go/pulumi-language-go}/v3, any version), so programs in those languages run through the Automation API.
# A binary already installed (on PATH, or a Pulumi plugin of the pinned version) is used as is.
# Anything missing is built from Go modules through the Go module proxy, version-stamped, and
# cached per version outside the repository, so a second run takes well under a second.
#
# Usage: toolchain/build.sh            ensure everything; the last stdout line is the bin directory
#        toolchain/build.sh --check    print what would be used or built, build nothing
# Env:   KUBEOVN_TOOLCHAIN_CACHE       cache root (default ~/.cache/pulumi-kubeovn)
#        KUBEOVN_TOOLCHAIN_REBUILD=1   ignore installed binaries and the cache (build everything)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"

cache=${KUBEOVN_TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-kubeovn}
tools="$cache/tools"
digest=$(sha256sum "$here/versions.env" | cut -c1-12)
bindir="$cache/bin-$digest"
mode=${1:-ensure}
rebuild=${KUBEOVN_TOOLCHAIN_REBUILD:-0}
started=$(date +%s)

log() { printf '[toolchain %4ss] %s\n' "$(( $(date +%s) - started ))" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

command -v go >/dev/null || die "Go is required to build the toolchain (none found on PATH); install Go >= 1.24 or put the binaries on PATH"

mkdir -p "$tools" "$bindir"
exec 9>"$cache/.lock"
flock 9  # one build at a time across concurrent test and demo runs

# version_ge A B: true when version A >= B (both without a leading v)
version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -1)" = "$2" ]; }

# ambient NAME: an installed binary of that name outside our own bin directory, if any
ambient() {
  local IFS=: dir
  for dir in $PATH; do
    [ "$dir" = "$bindir" ] && continue
    [ -x "$dir/$1" ] && { echo "$dir/$1"; return 0; }
  done
  return 1
}

# Runs a long go command with a heartbeat, so a cold build never looks stuck.
with_heartbeat() {
  local label=$1; shift
  ( while sleep 60; do log "  still building $label ..."; done ) 9>&- &  # not holding the lock
  local beat=$!
  local rc=0
  "$@" >"$work/build.log" 2>&1 || rc=$?
  kill "$beat" 2>/dev/null; wait "$beat" 2>/dev/null || true
  if [ $rc -ne 0 ]; then
    tail -n 40 "$work/build.log" >&2
    die "building $label failed (full log: $work/build.log)"
  fi
}

# fresh_module NAME: an empty tools module for one family of binaries
fresh_module() {
  work="$cache/src/$1"
  rm -rf "$work" && mkdir -p "$work" && cd "$work"
  go mod init "kubeovn.toolchain/$1" >/dev/null 2>&1
}

export GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=local

build_pulumi() {
  local v=$PULUMI_VERSION out=$1
  fresh_module "pulumi-$v"
  # pkg/v3's own go.mod replaces sdk with ../sdk and re-points clipboard; the first is
  # satisfied by requiring sdk/v3 at the same release, the second is declared again here.
  go mod edit -replace github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e
  with_heartbeat "pulumi v$v (fetch)" go get "github.com/pulumi/pulumi/pkg/v3@v$v" "github.com/pulumi/pulumi/sdk/v3@v$v"
  with_heartbeat "pulumi v$v" go build -trimpath -o "$out/pulumi" \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$v" \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
}

build_yaml() {
  local v=$PULUMI_YAML_VERSION out=$1
  fresh_module "pulumi-yaml-$v"
  go mod edit -replace github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e
  with_heartbeat "pulumi-language-yaml v$v (fetch)" go get "github.com/pulumi/pulumi-yaml@v$v"
  with_heartbeat "pulumi-language-yaml v$v" go build -trimpath -o "$out/pulumi-language-yaml" \
    -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=v$v" \
    github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml
}

build_kubernetes_provider() {
  local v=$PULUMI_KUBERNETES_VERSION out=$1 mod=github.com/pulumi/pulumi-kubernetes/provider/v4
  work="$cache/src/pulumi-kubernetes-$v"
  rm -rf "$work" && mkdir -p "$work"
  # The main package embeds a versioned schema that `go generate` writes and the module zip
  # lacks, so build inside a writable copy of the module.
  local dir
  dir=$(cd "$work" && go mod download -json "$mod@$PULUMI_KUBERNETES_PROVIDER_MODULE" 2>>"$work/build.log" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$dir" ] || die "could not download $mod@$PULUMI_KUBERNETES_PROVIDER_MODULE"
  cp -r "$dir/." "$work/module" && chmod -R u+w "$work/module"
  cd "$work/module"
  go mod edit -dropreplace github.com/pulumi/pulumi-kubernetes/sdk/v4 \
    -require "github.com/pulumi/pulumi-kubernetes/sdk/v4@v$v"
  (cd cmd/pulumi-resource-kubernetes && VERSION=$v go run generate.go) || die "generating the pulumi-kubernetes schema failed"
  with_heartbeat "pulumi-resource-kubernetes v$v (fetch)" go mod download
  with_heartbeat "pulumi-resource-kubernetes v$v" go build -trimpath -o "$out/pulumi-resource-kubernetes" \
    -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$v" \
    ./cmd/pulumi-resource-kubernetes
}

# build_kube_command CMD OUT: one command of k8s.io/kubernetes, version-stamped.
build_kube_command() {
  local cmd=$1 out=$2 v=$KUBERNETES_VERSION
  local minor=${v#*.}; minor=${minor%%.*}
  fresh_module "$cmd-$v"
  kube_module "$v"
  with_heartbeat "$cmd v$v (fetch)" go get "k8s.io/kubernetes@v$v"
  local stamp="" pkg
  # Unstamped, it reports v0.0.0 and pulumi-kubernetes takes old code paths.
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    stamp+=" -X $pkg.gitVersion=v$v -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  with_heartbeat "$cmd v$v" go build -trimpath -o "$out/$cmd" -ldflags "-s -w$stamp" "k8s.io/kubernetes/cmd/$cmd"
}

# kube_module VERSION: replace directives that point k8s.io/kubernetes' ~30 staging modules
# (./staging upstream) at their published v0.x twins, added to the current tools module.
kube_module() {
  local v=$1 gomod staging
  gomod=$(go mod download -json "k8s.io/kubernetes@v$v" 2>>"$work/build.log" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
  [ -f "$gomod" ] || die "could not download k8s.io/kubernetes@v$v"
  staging=$(grep -oE '^[[:space:]]*k8s\.io/[a-z0-9-]+ => \./staging' "$gomod" | awk '{print $1}')
  [ -n "$staging" ] || die "found no staging modules in k8s.io/kubernetes@v$v's go.mod"
  local m
  for m in $staging; do go mod edit -replace "$m=$m@v0.${v#1.}"; done
}

build_kube_apiserver() { build_kube_command kube-apiserver "$1"; }
# The namespace controller (deleting namespaces) and the garbage collector (foreground deletion):
# what a real cluster does beyond the API server.
build_kube_controller_manager() { build_kube_command kube-controller-manager "$1"; }

# The real kube-ovn-controller. Its go.mod has replace lines (so `go install` refuses it): a wrapper
# module takes the same replace block, and kube-ovn's own go.sum, because three of its pinned
# pseudo-versions are unknown to the checksum database although the proxy serves them.
build_kube_ovn_controller() {
  local v=$KUBEOVN_VERSION out=$1 mod=github.com/kubeovn/kube-ovn
  fresh_module "kube-ovn-$v"
  local dir
  dir=$(go mod download -json "$mod@v$v" 2>>"$work/build.log" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$dir" ] || die "could not download $mod@v$v"
  sed -n '/^replace (/,/^)/p' "$dir/go.mod" >>go.mod
  cp "$dir/go.sum" go.sum && chmod u+w go.sum
  with_heartbeat "kube-ovn-controller v$v (fetch)" go get "$mod@v$v"
  # The binary dispatches on its own file name: it must be called kube-ovn-controller.
  with_heartbeat "kube-ovn-controller v$v" go build -trimpath -o "$out/kube-ovn-controller" -ldflags "-s -w" "$mod/cmd/controller"
  kube_ovn_files "$dir" "$out"
}

# kube_ovn_files MODULE_DIR OUT: what the local cluster needs from the module the controller is
# built from, so nothing can disagree with it: the OVN NB/SB schemas its models were generated from
# (a Go raw string in model.go), its CRDs, the NAT gateway script, and the Multus NAD CRD at the
# version kube-ovn's go.mod requires.
kube_ovn_files() {
  local dir=$1 out=$2 db nad nad_dir
  for db in ovnnb ovnsb; do
    awk 'f && /^}`$/ {print "}"; exit} /^var schema = `/ {f=1; sub(/^var schema = `/, ""); print; next} f {print}' \
      "$dir/pkg/ovsdb/$db/model.go" >"$out/$db.ovsschema"
    grep -q '"name": "OVN_' "$out/$db.ovsschema" || die "no OVN schema found in $dir/pkg/ovsdb/$db/model.go"
    # libovsdb's generator writes a string column's maxLength as minLength too (ACL.name: 63..63,
    # where OVN's own schema has only maxLength 63), and ovsdb-server then refuses every shorter
    # name. OVN's NB and SB schemas set no minLength anywhere, so none is kept.
    sed -i '/"minLength": [0-9]*,$/d' "$out/$db.ovsschema"
  done
  cp "$dir/charts/kube-ovn-v2/crds/kube-ovn-crd.yaml" "$out/kube-ovn-crd.yaml"
  cp "$dir/dist/images/vpcnatgateway/nat-gateway.sh" "$out/nat-gateway.sh"
  nad=$(awk '$1 == "github.com/k8snetworkplumbingwg/network-attachment-definition-client" {print $2}' "$dir/go.mod")
  nad_dir=$(go mod download -json "github.com/k8snetworkplumbingwg/network-attachment-definition-client@$nad" 2>>"$work/build.log" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -f "$nad_dir/artifacts/networks-crd.yaml" ] || die "could not download the NAD CRD ($nad)"
  cp "$nad_dir/artifacts/networks-crd.yaml" "$out/network-attachment-definition-crd.yaml"
  echo "$nad" >"$out/network-attachment-definition.version"
  chmod -R u+w "$out"
}

# kwok: the node and pod runtime (a fake node whose pods become Running, and exec served locally).
build_kwok() {
  local v=$KWOK_VERSION out=$1 dir
  fresh_module "kwok-$v"
  with_heartbeat "kwok v$v (fetch)" go get "sigs.k8s.io/kwok@v$v"
  with_heartbeat "kwok v$v" go build -trimpath -o "$out/kwok" -ldflags "-s -w" sigs.k8s.io/kwok/cmd/kwok
  dir=$(go mod download -json "sigs.k8s.io/kwok@v$v" 2>>"$work/build.log" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  mkdir -p "$out/stages"
  cp "$dir/kustomize/stage/node/fast/node-initialize.yaml" "$dir"/kustomize/stage/pod/fast/pod-*.yaml "$out/stages/"
  cp "$dir/kustomize/crd/bases/kwok.x-k8s.io_execs.yaml" "$out/"
  chmod -R u+w "$out"
}

# OVN's databases: Debian 12's ovsdb-server serves the schema of the OVN release kube-ovn is built
# against (its own ovn-central is too old for the controller). ovn-nbctl/ovn-sbctl read them.
ensure_ovsdb() {
  local missing="" b
  for b in ovsdb-server ovsdb-tool ovn-nbctl ovn-sbctl; do command -v "$b" >/dev/null || missing+=" $b"; done
  [ -z "$missing" ] && return 0
  local cmd="apt-get install -y --no-install-recommends openvswitch-common ovn-common"
  if [ "$mode" = --check ]; then echo "ovsdb-server:$missing missing; to install with: $cmd"; return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing OVN's ovsdb-server and ovn-nbctl (Debian packages; missing:$missing)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive $cmd >&2 || die "installing ovsdb-server failed; run: $cmd"
  else
    die "missing$missing; install them as root with: apt-get update && $cmd"
  fi
}

build_etcd() {
  local v=$ETCD_VERSION out=$1
  fresh_module "etcd-$v"
  # etcd's own main module replaces its siblings with local paths; its server module does
  # not, so a two-line main around etcdmain builds the same binary.
  printf 'package main\n\nimport (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)\n\nfunc main() { etcdmain.Main(os.Args) }\n' > main.go
  with_heartbeat "etcd v$v (fetch)" go get "go.etcd.io/etcd/server/v3@v$v"
  with_heartbeat "etcd v$v" go build -trimpath -o "$out/etcd" -ldflags "-s -w" .
}

# installed_ok NAME PATH: does an installed binary satisfy the pin?
installed_ok() {
  local ver
  case $1 in
    pulumi) ver=$("$2" version 2>/dev/null | tr -d v) && version_ge "$ver" "$PULUMI_VERSION" ;;
    pulumi-language-yaml) return 0 ;;
    kube-apiserver|kube-controller-manager) ver=$("$2" --version 2>/dev/null | grep -oE '[0-9]+\.[0-9]+\.[0-9]+') && version_ge "$ver" 1.30.0 ;;
    etcd) ver=$("$2" --version 2>/dev/null | sed -n 's/^etcd Version: //p') && version_ge "$ver" 3.5.0 ;;
    *) return 1 ;;
  esac
}

# provide NAME VERSION BUILDER: link an installed or cached binary into $bindir, building it if needed
provide() {
  local name=$1 version=$2 builder=$3 found="" target="$tools/$1-$2"
  if [ "$rebuild" != 1 ]; then
    if found=$(ambient "$name") && installed_ok "$name" "$found"; then :
    elif [ "$name" = pulumi-resource-kubernetes ] && [ -x "$HOME/.pulumi/plugins/resource-kubernetes-v$version/$name" ]; then
      found="$HOME/.pulumi/plugins/resource-kubernetes-v$version/$name"
    elif [ -x "$target/$name" ]; then found="$target/$name"
    else found=""; fi
  fi
  if [ "$mode" = --check ]; then
    echo "$name $version: ${found:-to build into $target}"
    return 0
  fi
  if [ -z "$found" ]; then
    log "building $name $version (cold builds take minutes; progress every 60s)"
    rm -rf "$target.partial" && mkdir -p "$target.partial"
    ( "$builder" "$target.partial" )
    rm -rf "$target" && mv "$target.partial" "$target"
    rm -rf "$cache/src/$name"*
    found="$target/$name"
    log "built $name $version"
  fi
  ln -sfn "$found" "$bindir/$name"
}

# The cluster first, then the engine: `npm run cluster:up` needs only the first half.
ensure_ovsdb
provide etcd "$ETCD_VERSION" build_etcd
provide kube-apiserver "$KUBERNETES_VERSION" build_kube_apiserver
provide kube-controller-manager "$KUBERNETES_VERSION" build_kube_controller_manager
provide kube-ovn-controller "$KUBEOVN_VERSION" build_kube_ovn_controller
provide kwok "$KWOK_VERSION" build_kwok
provide pulumi "$PULUMI_VERSION" build_pulumi
provide pulumi-language-yaml "$PULUMI_YAML_VERSION" build_yaml
provide pulumi-resource-kubernetes "$PULUMI_KUBERNETES_VERSION" build_kubernetes_provider

# Node.js policy packs (policy-pack/) on a CLI without a Node.js language host: the analyzer plugin
# the CLI falls back to, a script of this directory (pulumi-analyzer-policy-nodejs says why). Nothing to build.
if [ "$mode" = --check ]; then echo "pulumi-analyzer-policy-nodejs: $here/pulumi-analyzer-policy-nodejs"
else ln -sfn "$here/pulumi-analyzer-policy-nodejs" "$bindir/pulumi-analyzer-policy-nodejs"; fi

if [ "$mode" != --check ]; then
  log "toolchain ready in $bindir"
  echo "$bindir"
fi
