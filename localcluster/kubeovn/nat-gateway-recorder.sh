#!/usr/bin/env bash
# Stands in for upstream's /kube-ovn/nat-gateway.sh inside a NAT gateway pod (no packets flow on
# this machine): it appends each call, with the pod it was made in, as one JSON line to
# $KUBEOVN_GATEWAY_LOG, and answers as the real script does where the controller reads the answer.
# KUBEOVN_GATEWAY_POD is set per pod by the local cluster's pod runtime (a kwok Exec rule); without
# it the call fails, and the controller retries, so no call is ever recorded against the wrong pod.
set -euo pipefail
pod=${KUBEOVN_GATEWAY_POD:-}
if [ -z "$pod" ]; then
    echo "no exec rule for this pod yet" >&2
    exit 1
fi
verb=${1:-}
shift || true
json() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '"%s"' "$s"; }
args="" sep=""
for a in "$@"; do args+="$sep$(json "$a")"; sep=","; done
printf '{"time":"%s","pod":%s,"verb":%s,"args":[%s]}\n' "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" "$(json "$pod")" "$(json "$verb")" "$args" >>"$KUBEOVN_GATEWAY_LOG"
case $verb in
    # the controller parses vX.Y.Z from `iptables --version`; any version >= 1.6.2 makes it add --random-fully to SNAT
    get-iptables-version) echo "iptables v1.8.9 (legacy)" ;;
    *) echo "$verb $*" ;;
esac
