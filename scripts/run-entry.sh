# Sourced by bin/: runs a provider entry point (`run_entry provider/plugin args...`) from the compiled
# build when it is up to date, else from the TypeScript sources under ts-node. The build is up to date
# when no provider source, package.json or tsconfig is newer than build/.stamp (scripts/ensure-deps.js
# writes it after `tsc -p tsconfig.build.json`), so an edited source is never shadowed by old output.
# Compiled, a plugin start costs about a quarter of the CPU time (no TypeScript compiler to load).
run_entry() {
    local entry=$1 stamp="$root/build/.stamp"
    shift
    if [[ -f "$stamp" && -f "$root/build/$entry.js" && ! "$root/package.json" -nt "$stamp" && ! "$root/tsconfig.json" -nt "$stamp" && ! "$root/tsconfig.build.json" -nt "$stamp" ]] &&
        [[ -z "$(find "$root/provider" -name '*.ts' -newer "$stamp" -print -quit)" ]]; then
        exec node --enable-source-maps "$root/build/$entry.js" "$@"
    fi
    export TS_NODE_PROJECT="$root/tsconfig.json" TS_NODE_TRANSPILE_ONLY=true
    exec node --require "$root/node_modules/ts-node/register" "$root/$entry.ts" "$@"
}
