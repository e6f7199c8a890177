# Sourced with $root set (by bin/ and scripts/ensure-deps.js): the one rule for when the compiled
# build may run. It is up to date when no provider source, package.json or tsconfig is newer than
# build/.stamp (ensure-deps writes it after `tsc -p tsconfig.build.json`), so an edited source is
# never shadowed by old output. Compiled, a plugin start takes 40% of the CPU time it takes under
# ts-node (no TypeScript compiler to load, nothing to compile).
build_fresh() {
    local stamp="$root/build/.stamp" f
    [[ -f "$stamp" ]] || return 1
    for f in package.json tsconfig.json tsconfig.build.json; do
        [[ "$root/$f" -nt "$stamp" ]] && return 1
    done
    [[ -z "$(find "$root/provider" -name '*.ts' -newer "$stamp" -print -quit)" ]]
}

# Runs a provider entry point (`run_entry provider/plugin args...`) from the build when it is up to
# date, else from the TypeScript sources under ts-node.
run_entry() {
    local entry=$1
    shift
    if build_fresh && [[ -f "$root/build/$entry.js" ]]; then
        exec node --enable-source-maps "$root/build/$entry.js" "$@"
    fi
    export TS_NODE_PROJECT="$root/tsconfig.json" TS_NODE_TRANSPILE_ONLY=true
    exec node --require "$root/node_modules/ts-node/register" "$root/$entry.ts" "$@"
}
