// The CRDs this repository carries (crds/, provenance in crds/SOURCE.md): what the local control
// plane installs and what unit tests validate planned objects against, with no toolchain needed.
import * as path from "node:path";

const dir = path.resolve(__dirname, "..", "crds");

/** The vendored files, and the name of the same file inside the toolchain's kube-ovn directory. */
export const crdIndex = [
  { file: path.join(dir, "kube-ovn-v1.16.2.yaml"), toolchainName: "kube-ovn-crd.yaml" },
  {
    file: path.join(dir, "network-attachment-definition-v1.7.7.yaml"),
    toolchainName: "network-attachment-definition-crd.yaml",
  },
];

export function vendoredCrdFiles(): string[] {
  return crdIndex.map((c) => c.file);
}

/**
 * cert-manager's Certificate and Issuer CRDs, for the objects PodDefaultsWebhook declares with
 * `certificates: cert-manager`. The local control plane runs no cert-manager and does not install
 * them; the tests that need them validate against them or install them themselves.
 */
export const certManagerCrdFiles = [
  path.join(dir, "cert-manager-certificates-v1.21.2.yaml"),
  path.join(dir, "cert-manager-issuers-v1.21.2.yaml"),
];
