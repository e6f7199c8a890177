#!/usr/bin/env bash
# Stands in for upstream's /kube-ovn/nat-gateway.sh inside a NAT gateway pod (no packets flow on
# this machine): it appends each call, with the pod it was made in and whether it succeeded, as one
# JSON line to $KUBEOVN_GATEWAY_LOG, and answers as the real script does where the controller reads
# the answer. Like the real script, every rule verb fails until `init` ran in that pod (upstream's
# check_inited; a new pod starts uninitialised), so the controller's retries happen here too.
# KUBEOVN_GATEWAY_POD (and _UID) are set per pod by the local cluster's pod runtime (a kwok Exec
# rule); without them the call fails and the controller retries, so no call is recorded against
# the wrong pod.
set -euo pipefail
pod=${KUBEOVN_GATEWAY_POD:-}
uid=${KUBEOVN_GATEWAY_POD_UID:-}
if [ -z "$pod" ] || [ -z "$uid" ]; then
    echo "no exec rule for this pod yet" >&2
    exit 1
fi
verb=${1:-}
shift || true
inited="$(dirname "$KUBEOVN_GATEWAY_LOG")/gateway-inited-$uid"
ok=true
case $verb in
    init) : >"$inited" ;;
    subnet-route-add | subnet-route-del | eip-add | eip-del | floating-ip-add | floating-ip-del | snat-add | snat-del | dnat-add | dnat-del)
        [ -e "$inited" ] || ok=false ;;
esac

json() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '"%s"' "$s"; }
args="" sep=""
for a in "$@"; do args+="$sep$(json "$a")"; sep=","; done
printf '{"time":"%s","pod":%s,"uid":%s,"verb":%s,"args":[%s],"ok":%s}\n' "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" "$(json "$pod")" "$(json "$uid")" "$(json "$verb")" "$args" "$ok" >>"$KUBEOVN_GATEWAY_LOG"
if [ "$ok" != true ]; then
    echo "nat gateway not initialized" >&2
    exit 1
fi
case $verb in
    # the controller parses vX.Y.Z from `iptables --version`; any version >= 1.6.2 makes it add --random-fully to SNAT
    get-iptables-version) echo "iptables v1.8.9 (legacy)" ;;
    *) echo "$verb $*" ;;
esac
