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

# kubernetes and helm: the bindings pin 2.38.0 and 3.1.1, which the proxy refuses. It serves a
# kubernetes main commit after 3.2.1 (CHANGELOG head 3.2.1) and helm 3.2.0. The mirror folder name is
# the version OpenTofu believes; the stacks accept >= 2.38.0 < 4 and >= 3.1.1 < 4 (stacks/providers.ts).
K8S_VERSION="${K8S_VERSION:-3.2.1}"
K8S_MODULE="github.com/hashicorp/terraform-provider-kubernetes"
K8S_REF="${K8S_REF:-v1.13.4-0.20260821094251-3a33fb6cc605}"

HELM_VERSION="${HELM_VERSION:-3.2.0}"
HELM_MODULE="github.com/hashicorp/terraform-provider-helm"
HELM_REF="${HELM_REF:-v1.3.3-0.20260629194918-a4f1c1d8b008}"

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

# ---------------------------------------------------------------- Kubernetes layer
# A bare control plane: etcd, kube-apiserver and kubectl (same Kubernetes release).
ETCD_MODULE="go.etcd.io/etcd/server/v3"
ETCD_VERSION="${ETCD_VERSION:-3.6.16}"
KUBE_MODULE="k8s.io/kubernetes"
KUBE_VERSION="${KUBE_VERSION:-1.34.4}"

# The External Secrets Operator controller: v0.20.4 is the newest that builds from its module
# (v1.3.2's 56 nested modules are not served). It serves external-secrets.io/v1 like the 2.x chart.
ESO_CONTROLLER_VERSION="${ESO_CONTROLLER_VERSION:-v0.20.4}"
# The controller registers all of its ~37 providers and 15 generators through two import lists
# (pkg/provider/register, pkg/generator/register); only these stay, unless ESO_FULL=1. The stacks'
# stores use vault and aws; kubernetes and fake are kept for hand-made probes. That halves the build
# (`go list -deps .`: 2,260 packages -> 1,097; no GCP, Azure, Oracle, Alibaba or IBM SDKs).
ESO_PROVIDERS="${ESO_PROVIDERS:-aws fake kubernetes vault}"
ESO_GENERATORS="${ESO_GENERATORS:-fake password uuid}"
ESO_FULL="${ESO_FULL:-0}"
# Bumped when scripts/toolchain/patch_eso.py changes what it does (p1: the policy-comparison backport).
ESO_PATCH_LEVEL="p1"

# cert-manager's Certificate CRD (downloaded only).
CERT_MANAGER_MODULE="github.com/cert-manager/cert-manager"
CERT_MANAGER_VERSION="${CERT_MANAGER_VERSION:-v1.21.2}"

# ---------------------------------------------------------------- AWS layer
# The aws provider: a main commit after 6.47.0 (CHANGELOG head "6.48.0 (Unreleased)"), built with
# only the service packages the stacks use (AWS_SERVICE_PACKAGES) unless AWS_PROVIDER_FULL=1.
# s3control is in the list although no stack declares an s3control resource: aws_s3_bucket reads and
# writes its tags through the S3 Control client (internal/service/s3/tags.go), and a provider without
# that package registered panics ("unknown service package: s3control") on the first bucket. `meta`
# (data sources such as aws_region) is left out: no stack reads one, and it pulls in the ec2 package.
# scripts/toolchain/trim_aws_clients.py then drops the SDK clients nothing calls.
AWS_PROVIDER_VERSION="${AWS_PROVIDER_VERSION:-6.48.0}"
AWS_PROVIDER_MODULE="github.com/hashicorp/terraform-provider-aws"
AWS_PROVIDER_REF="${AWS_PROVIDER_REF:-v1.60.1-0.20260602190131-5f2286d6d836}"
AWS_SERVICE_PACKAGES="${AWS_SERVICE_PACKAGES:-iam kms s3 s3control secretsmanager sts}"
AWS_PROVIDER_FULL="${AWS_PROVIDER_FULL:-0}"

# Python tools, each in a virtual environment in the cache: moto stands in for AWS; checkov scans
# the synthesized JSON.
MOTO_VERSION="${MOTO_VERSION:-5.2.5}"
CHECKOV_VERSION="${CHECKOV_VERSION:-3.3.30}"
