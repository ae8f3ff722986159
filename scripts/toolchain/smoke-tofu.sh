#!/usr/bin/env bash
# Proves that tofu installs providers from the toolchain's filesystem mirror
# with no network: `tofu version`, then `tofu init` of a tiny config in a temp
# folder (under `unshare -n`, i.e. without any network, when available).
#
#   bash scripts/toolchain/smoke-tofu.sh                 # the pinned providers
#   bash scripts/toolchain/smoke-tofu.sh random=3.6.0    # any name=version list
set -euo pipefail
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$SCRIPT_DIR/versions.sh"
CACHE="${VSP_TOOLCHAIN_DIR:-$HOME/.cache/vault-secrets-platform}"
[[ -f "$CACHE/env.sh" ]] || { echo "no toolchain in $CACHE: run bash scripts/toolchain.sh" >&2; exit 1; }
# shellcheck disable=SC1091
source "$CACHE/env.sh"

if (($# == 0)); then
  set -- "vault=$VAULT_VERSION" "random=$RANDOM_VERSION" "kubernetes=$K8S_VERSION" "helm=$HELM_VERSION"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/vsp-tofu-smoke.XXXXXX")"
trap 'rm -rf "$work"' EXIT
{
  echo 'terraform {'
  echo '  required_providers {'
  for pv in "$@"; do
    printf '    %s = {\n      source  = "hashicorp/%s"\n      version = "%s"\n    }\n' "${pv%%=*}" "${pv%%=*}" "${pv#*=}"
  done
  echo '  }'
  echo '}'
} >"$work/main.tf"

echo "== tofu version"
tofu version
echo "== TF_CLI_CONFIG_FILE=$TF_CLI_CONFIG_FILE"
runner=()
if command -v unshare >/dev/null 2>&1 && unshare -n true 2>/dev/null; then
  runner=(unshare -n)
  echo "== tofu init (no network: unshare -n) for: $*"
else
  echo "== tofu init for: $*"
fi
( cd "$work" && "${runner[@]}" tofu init -input=false -no-color )
echo "== lock file"
grep -E '^provider|version' "$work/.terraform.lock.hcl"
echo "smoke-tofu: ok"
