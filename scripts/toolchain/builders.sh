# Builders for the Kubernetes and AWS layers' tools, sourced by scripts/toolchain.sh (which defines
# say, fail, begin, finish, mod_download, copy_src, record_time and the cache folders).
#
# Modules whose go.mod has local `replace` directives (etcd, k8s.io/kubernetes) cannot be built with
# `go install MOD@VER`: each is copied to a writable folder, its go.mod fixed, and built there with
# `-mod=mod` and GOTOOLCHAIN=local.

# go_build_in DIR LOG ARGS... : go build inside DIR with the local toolchain.
go_build_in() {
  local dir="$1" log="$2"; shift 2
  ( cd "$dir" && GOTOOLCHAIN=local go build -p "$GO_P" -mod=mod "$@" ) >>"$log" 2>&1
}

# ---------------------------------------------------------------- etcd
build_etcd() {
  local key="etcd-$ETCD_VERSION" label="etcd $ETCD_VERSION"
  local log="$LOGS/$key.log" src dest="$BUILD/$key" out="$BIN/$key"
  begin "$key" "$label" || return 0
  src="$(mod_download "$ETCD_MODULE@v$ETCD_VERSION" "$log")" || fail "$label" download "$log"
  copy_src "$src" "$dest" >>"$log" 2>&1 || fail "$label" copy "$log"
  # The four `=> ../x` replaces point into the etcd repository; use the published modules instead.
  # The `toolchain` line asks for a newer Go patch release than this machine has.
  ( cd "$dest" \
    && sed -i -E '/=>[[:space:]]*\.\.\//d' go.mod \
    && sed -i -E '/^toolchain /d' go.mod ) >>"$log" 2>&1 || fail "$label" patch "$log"
  go_build_in "$dest" "$log" -o "$out/etcd" -ldflags "-s -w" . || fail "$label" build "$log"
  "$out/etcd" --version >>"$log" 2>&1 || fail "$label" install "$log"
  rm -rf "$dest"
  finish "$key" "$label"
}

# ---------------------------------------------------------------- kube-apiserver, kubectl, kube-controller-manager
# kube_source LABEL LOG DEST: a writable copy of k8s.io/kubernetes in which each
# `k8s.io/X => ./staging/src/k8s.io/X` becomes `k8s.io/X => k8s.io/X v0.<minor>.<patch>`.
kube_source() {
  local label="$1" log="$2" dest="$3" src
  src="$(mod_download "$KUBE_MODULE@v$KUBE_VERSION" "$log")" || fail "$label" download "$log"
  copy_src "$src" "$dest" >>"$log" 2>&1 || fail "$label" copy "$log"
  ( cd "$dest" && rm -rf vendor go.work go.work.sum \
    && sed -i -E "s#(k8s\.io/[A-Za-z0-9._/-]+)[[:space:]]*=>[[:space:]]*\./staging/src/k8s\.io/[A-Za-z0-9._/-]+#\1 => \1 v0.${KUBE_VERSION#*.}#" go.mod \
    && sed -i -E '/^toolchain /d' go.mod ) >>"$log" 2>&1 || fail "$label" patch "$log"
}

# The version the binaries report (the module zip carries no git data).
kube_ldflags() {
  local minor="${KUBE_VERSION#*.}"; minor="${minor%%.*}"
  echo "-s -w -X k8s.io/component-base/version.gitVersion=v$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"
}

build_kube() {
  local key="kube-$KUBE_VERSION" label="kube-apiserver+kubectl $KUBE_VERSION"
  local log="$LOGS/$key.log" dest="$BUILD/$key" out="$BIN/$key"
  begin "$key" "$label" || return 0
  kube_source "$label" "$log" "$dest"
  go_build_in "$dest" "$log" -o "$out/kube-apiserver" -ldflags "$(kube_ldflags)" ./cmd/kube-apiserver || fail "$label" "build kube-apiserver" "$log"
  go_build_in "$dest" "$log" -o "$out/kubectl" -ldflags "$(kube_ldflags)" ./cmd/kubectl || fail "$label" "build kubectl" "$log"
  "$out/kube-apiserver" --version >>"$log" 2>&1 || fail "$label" install "$log"
  "$out/kubectl" version --client >>"$log" 2>&1 || fail "$label" install "$log"
  rm -rf "$dest"
  finish "$key" "$label"
}

# Only its garbage collector, namespace and service-account controllers run (scripts/lib/cluster.ts):
# owned Secrets are collected when their ExternalSecret goes, and deleted namespaces really go.
build_kube_controller_manager() {
  local key="kube-controller-manager-$KUBE_VERSION" label="kube-controller-manager $KUBE_VERSION"
  local log="$LOGS/$key.log" dest="$BUILD/$key" out="$BIN/kube-$KUBE_VERSION"
  begin "$key" "$label" || return 0
  kube_source "$label" "$log" "$dest"
  mkdir -p "$out"
  go_build_in "$dest" "$log" -o "$out/kube-controller-manager" -ldflags "$(kube_ldflags)" ./cmd/kube-controller-manager || fail "$label" build "$log"
  "$out/kube-controller-manager" --version >>"$log" 2>&1 || fail "$label" install "$log"
  rm -rf "$dest"
  finish "$key" "$label"
}

# ---------------------------------------------------------------- ESO controller
# eso_key: the cache key names the registered providers and the patch level
# (scripts/toolchain/patch_eso.py), so a changed list or patch rebuilds.
eso_key() {
  if [[ "$ESO_FULL" == 1 ]]; then echo "eso-$ESO_CONTROLLER_VERSION-full-$ESO_PATCH_LEVEL"
  else echo "eso-$ESO_CONTROLLER_VERSION-$(echo "$ESO_PROVIDERS" | tr ' ' '-')-$ESO_PATCH_LEVEL"; fi
}

build_eso() {
  local key; key="$(eso_key)"
  local label="external-secrets controller $ESO_CONTROLLER_VERSION ($([[ "$ESO_FULL" == 1 ]] && echo "all providers" || echo "providers: $ESO_PROVIDERS"))"
  local log="$LOGS/$key.log" src dest="$BUILD/$key" out="$BIN/$key"
  begin "$key" "$label" || return 0
  src="$(mod_download "$ESO_MODULE@$ESO_CONTROLLER_VERSION" "$log")" || fail "$label" download "$log"
  copy_src "$src" "$dest" >>"$log" 2>&1 || fail "$label" copy "$log"
  ( cd "$dest" && sed -i -E '/^toolchain /d' go.mod ) >>"$log" 2>&1 || fail "$label" patch "$log"
  local providers="$ESO_PROVIDERS" generators="$ESO_GENERATORS"
  if [[ "$ESO_FULL" == 1 ]]; then providers=all; generators=all; fi
  ( cd "$dest" && python3 "$SCRIPT_DIR/toolchain/patch_eso.py" . --providers "$providers" --generators "$generators" ) \
    >>"$log" 2>&1 || fail "$label" patch "$log"
  go_build_in "$dest" "$log" -o "$out/external-secrets" -ldflags "-s -w" . || fail "$label" build "$log"
  "$out/external-secrets" --help >>"$log" 2>&1 || fail "$label" install "$log"
  # The controller's own CRDs (the cluster applies these, so the API matches the controller).
  install -m 0644 "$dest/deploy/crds/bundle.yaml" "$out/crds.yaml" >>"$log" 2>&1 || fail "$label" "install crds" "$log"
  rm -rf "$dest"
  finish "$key" "$label"
}

# ---------------------------------------------------------------- aws provider
# The full provider registers ~270 service packages (a 24 min, 12 GB link on 2 cores). Unless
# AWS_PROVIDER_FULL=1, internal/provider/sdkv2/service_packages_gen.go (the generated list) is
# rewritten to register only AWS_SERVICE_PACKAGES, the way the generator would for that list.
aws_key() {
  if [[ "$AWS_PROVIDER_FULL" == 1 ]]; then echo "provider-aws-$AWS_PROVIDER_VERSION-full"
  else echo "provider-aws-$AWS_PROVIDER_VERSION-$(echo "$AWS_SERVICE_PACKAGES" | tr ' ' '-')"; fi
}

build_aws_provider() {
  local key; key="$(aws_key)"
  local label="provider aws $AWS_PROVIDER_VERSION ($([[ "$AWS_PROVIDER_FULL" == 1 ]] && echo full || echo "$AWS_SERVICE_PACKAGES"))"
  local log="$LOGS/$key.log" src dest="$BUILD/$key" gen keep
  local target="$MIRROR/registry.opentofu.org/hashicorp/aws/$AWS_PROVIDER_VERSION/linux_amd64"
  if [[ "$SKIP_PROVIDERS" == *",aws,"* ]]; then say "$label: skipped (VSP_SKIP_PROVIDERS)"; return 0; fi
  if [[ -f "$STAMPS/$key.done" && -x "$target/terraform-provider-aws_v$AWS_PROVIDER_VERSION" ]]; then say "$label: cached"; return 0; fi
  rm -f "$STAMPS/$key.done"
  begin "$key" "$label" || return 0
  src="$(mod_download "$AWS_PROVIDER_MODULE@$AWS_PROVIDER_REF" "$log")" || fail "$label" download "$log"
  copy_src "$src" "$dest" >>"$log" 2>&1 || fail "$label" copy "$log"
  if [[ "$AWS_PROVIDER_FULL" != 1 ]]; then
    gen="$dest/internal/provider/sdkv2/service_packages_gen.go"
    keep="$(echo "$AWS_SERVICE_PACKAGES" | tr ' ' '|')"
    # Drop every service import and registration line that is not in the list.
    awk -v keep="^($keep)$" '
      /"github.com\/hashicorp\/terraform-provider-aws\/internal\/service\// {
        n = $0; sub(/.*internal\/service\//, "", n); sub(/".*/, "", n)
        if (n !~ keep) next
      }
      /^[[:space:]]+[a-z0-9]+\.ServicePackage\(ctx\),[[:space:]]*$/ {
        n = $1; sub(/\..*/, "", n)
        if (n !~ keep) next
      }
      { print }' "$gen" >"$gen.new" && mv "$gen.new" "$gen" || fail "$label" trim "$log"
    echo "registered service packages: $(grep -c 'ServicePackage(ctx),' "$gen")" >>"$log"
    # Then the SDK clients: only those the remaining packages call (see the script).
    ( cd "$dest" && python3 "$SCRIPT_DIR/toolchain/trim_aws_clients.py" . ) >>"$log" 2>&1 || fail "$label" trim-clients "$log"
  fi
  ( cd "$dest" && go build -p "$GO_P" -o "$dest/terraform-provider-aws" \
      -ldflags "-s -w -X github.com/hashicorp/terraform-provider-aws/version.ProviderVersion=$AWS_PROVIDER_VERSION" . ) >>"$log" 2>&1 \
    || fail "$label" build "$log"
  { mkdir -p "$target" && install -m 0755 "$dest/terraform-provider-aws" "$target/terraform-provider-aws_v$AWS_PROVIDER_VERSION"; } >>"$log" 2>&1 \
    || fail "$label" install "$log"
  rm -rf "$dest"
  finish "$key" "$label"
}

# ---------------------------------------------------------------- Python tools
# pip_tool NAME VERSION SPEC BINARY: a virtual environment per tool and version in the cache.
pip_tool() {
  local name="$1" version="$2" spec="$3" binary="$4"
  local key="$name-$version" label="$name $version" log venv="$BIN/$name-$version"
  log="$LOGS/$key.log"
  begin "$key" "$label" || return 0
  local py; py="$(command -v python3 || command -v python)" || fail "$label" python "$log" "python3 is required"
  rm -rf "$venv"
  "$py" -m venv "$venv" >>"$log" 2>&1 || fail "$label" venv "$log"
  "$venv/bin/pip" install --disable-pip-version-check --no-input -q "$spec" >>"$log" 2>&1 || fail "$label" install "$log"
  "$venv/bin/$binary" --version >>"$log" 2>&1 || [[ -x "$venv/bin/$binary" ]] || fail "$label" install "$log"
  finish "$key" "$label"
}
