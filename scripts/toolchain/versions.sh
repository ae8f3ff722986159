# Versions and module sources used by scripts/toolchain.sh (sourced, not run).
# Each value can be overridden from the environment.
# Provider versions must match what the prebuilt @cdktf/provider-* packages
# write into required_providers (see shared TOOLCHAIN notes).

TOFU_VERSION="${TOFU_VERSION:-1.12.6}"
TOFU_MODULE="github.com/opentofu/opentofu"

BAO_VERSION="${BAO_VERSION:-2.6.2}"
BAO_MODULE="github.com/openbao/openbao"
BAO_COMMIT="${BAO_COMMIT:-dd9c19c37a878cf4a81b18efb8d6f0599c7da923}"
# Pseudo-version of that commit (committer time 2026-08-18T15:48:19Z, as the
# upstream release binary reports it; the root module has no v0/v1 tags).
BAO_PSEUDO="${BAO_PSEUDO:-v0.0.0-20260818154819-dd9c19c37a87}"

# Providers: major versions >= 2 are tagged without a /vN module path, so they
# are requested by commit (or by a pseudo-version of that commit).
# vault: the bindings (@cdktf/provider-vault 15.6.1) were generated from 5.6.0
# (commit bcb1be49), which the proxy refuses. The proxy serves 5.9.0 (commit
# 5e9fcd45, 2026-04-22, a later minor of the same major), so that is built, and
# the stacks accept any 5.x >= 5.6.0 (stacks/providers.ts).
VAULT_VERSION="${VAULT_VERSION:-5.9.0}"
VAULT_MODULE="github.com/hashicorp/terraform-provider-vault"
VAULT_REF="${VAULT_REF:-v1.9.1-0.20260422134934-5e9fcd457a99}"

K8S_VERSION="${K8S_VERSION:-2.38.0}"
K8S_MODULE="github.com/hashicorp/terraform-provider-kubernetes"
K8S_REF="${K8S_REF:-be88f44271050f69d52f410bca388834afedfe71}"

HELM_VERSION="${HELM_VERSION:-3.1.1}"
HELM_MODULE="github.com/hashicorp/terraform-provider-helm"
HELM_REF="${HELM_REF:-1cbf08f6a306ab3cdff6079b87a61c7641b64f3b}"

RANDOM_VERSION="${RANDOM_VERSION:-3.9.0}"
RANDOM_MODULE="github.com/terraform-providers/terraform-provider-random"
# Commit f8d869dc (the 3.9.0 tag), asked for by its pseudo-version: the proxy
# refuses the bare hash but serves this name.
RANDOM_REF="${RANDOM_REF:-v1.3.2-0.20260513075824-f8d869dc98d9}"

# CRD sources (downloaded only, never built; read at test time).
ESO_MODULE="github.com/external-secrets/external-secrets"
ESO_VERSION="${ESO_VERSION:-v1.3.2}"
PROM_OP_MODULE="github.com/prometheus-operator/prometheus-operator"
PROM_OP_VERSION="${PROM_OP_VERSION:-v0.85.0}"
CSI_MODULE="sigs.k8s.io/secrets-store-csi-driver"
CSI_VERSION="${CSI_VERSION:-v1.5.5}"
