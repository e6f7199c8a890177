# BASH_ENV of every command kwok runs for an exec into a pod. kube-ovn-controller configures a NAT
# gateway with   /bin/bash -c "bash /kube-ovn/nat-gateway.sh <verb> <rules...>"   (upstream
# pkg/controller/vpc_nat_gateway.go execNatGwRules): that script path only exists inside the
# gateway image, so here `bash` hands the call to the recorder beside this file instead.
bash() {
    if [ "${1:-}" = /kube-ovn/nat-gateway.sh ]; then
        shift
        command bash "$KUBEOVN_GATEWAY_RECORDER" "$@"
    else
        command bash "$@"
    fi
}
