#!/usr/bin/env bash
# Installs or builds, on first use, every tool the tests run that a package registry provides, at the
# versions in tools/versions.env; checks the ones the machine must bring. `npm test` runs it first, so
# a fresh clone needs nothing else. Every step is skipped when its result is already there.
#
#   tools/setup.sh                     everything, the test control plane included
#   tools/setup.sh --no-control-plane  what the fast tier (`npm run test:fast`) needs
#   tools/setup.sh --render            what `npm run render` needs: kpt and the standalone kustomize
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=versions.env
. "$REPO/tools/versions.env"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/ecom-deploy"

control_plane=1
test_tools=1
case "${1:-}" in
  "") ;;
  --no-control-plane) control_plane="" ;;
  --render) control_plane="" test_tools="" ;;
  *)
    echo "usage: $0 [--no-control-plane | --render]" >&2
    exit 2
    ;;
esac

log() { printf 'setup: %s\n' "$*" >&2; }
die() {
  printf '\n*** setup: %s\n\n' "$*" >&2
  exit 1
}

# --- git: the merge driver .gitattributes names for the mutation state, in a git checkout only ------
# `true` leaves the current branch's file as the merge result; the next mutation run recomputes it.
if command -v git >/dev/null 2>&1 && git -C "$REPO" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git -C "$REPO" config merge.mutation-state.name "keep one side of the mutation state; the next mutation run recomputes it"
  git -C "$REPO" config merge.mutation-state.driver true
fi

# --- what the machine must bring ------------------------------------------------------------------
command -v go >/dev/null 2>&1 || die "go not found on PATH. Install Go 1.22 or newer
    (Debian/Ubuntu: sudo apt-get install golang-go); it builds kustomize, gitleaks, kube-score, actionlint,
    tools/flux-build and the test control plane."
command -v kpt >/dev/null 2>&1 || die "kpt not found on PATH. Install kpt ${KPT_VERSION#v}, e.g. a release binary
    from the kpt project or the Google Cloud SDK package 'google-cloud-cli-kpt'."

# Debian's Go can be older than a pinned module asks for; Go >= 1.21 then fetches the toolchain its
# go.mod names through the module proxy by itself.
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"
GOBIN_DIR="$(go env GOPATH | cut -d: -f1)/bin"

# --- tools installed with `go install`, found by the tests in $(go env GOPATH)/bin ----------------
go_tool() {
  local name="$1" package="$2" version="$3" installed=""
  # `go version -m` prints one `mod` line: the module the binary was installed from, and its version.
  [ -x "$GOBIN_DIR/$name" ] && installed="$(go version -m "$GOBIN_DIR/$name" 2>/dev/null | awk '$1 == "mod" { print $3 }')"
  [ "$installed" = "$version" ] && return 0
  log "installing $name $version (found: ${installed:-none})"
  go install "$package@$version"
}
go_tool kustomize sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION"
# The render's tools are all there now; it says nothing more, since it runs before every render.
[ -n "$test_tools" ] || exit 0

# --- what only the tests need -----------------------------------------------------------------------
command -v kubectl >/dev/null 2>&1 || die "kubectl not found on PATH. Install kubectl ${KUBECTL_VERSION%.*}
    (its built-in kustomize must be ${KUSTOMIZE_VERSION}), e.g. from the Kubernetes project's apt
    repository (${KUBECTL_VERSION%.*} stable channel) or the Google Cloud SDK package 'kubectl'."
kubectl_kustomize="$(kubectl version --client 2>/dev/null | awk -F': ' '/Kustomize Version/ { print $2 }')"
[ "$kubectl_kustomize" = "$KUSTOMIZE_VERSION" ] || die "kubectl embeds kustomize '${kubectl_kustomize:-unknown}'; the tests compare it
    with the standalone ${KUSTOMIZE_VERSION}, which kubectl ${KUBECTL_VERSION%.*} embeds: install kubectl ${KUBECTL_VERSION%.*}."
command -v python3 >/dev/null 2>&1 && python3 -c 'import venv, ensurepip' 2>/dev/null || die "python3 with venv
    support not found (Checkov runs in a virtual environment). Debian/Ubuntu: sudo apt-get install python3-venv"
if [ -n "$control_plane" ]; then
  for t in openssl curl; do
    command -v "$t" >/dev/null 2>&1 || die "$t not found on PATH (the test control plane needs it).
    Debian/Ubuntu: sudo apt-get install $t"
  done
fi

go_tool gitleaks github.com/zricethezav/gitleaks/v8 "$GITLEAKS_VERSION"
go_tool kube-score github.com/zegl/kube-score/cmd/kube-score "$KUBE_SCORE_VERSION"
go_tool actionlint github.com/rhysd/actionlint/cmd/actionlint "$ACTIONLINT_VERSION"

# --- Checkov, in a virtual environment of its own (scripts/lib/find-tool.ts finds it there) ------
venv="$CACHE/checkov-$CHECKOV_VERSION"
# The marker is written last, so an interrupted install is redone rather than used.
if [ ! -f "$venv/.installed" ]; then
  log "installing Checkov $CHECKOV_VERSION into $venv (only the first time)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION"
  touch "$venv/.installed"
fi

# --- Node.js runtimes the function's executable is tested under: the oldest it supports and one older --
node_oldest="$(node -p 'require(process.argv[1]).engines.node.replace(">=", "")' "$REPO/functions/package.json")"
for version in "$node_oldest" "$NODE_UNSUPPORTED_VERSION"; do
  dir="$CACHE/node-$version"
  if [ ! -f "$dir/.installed" ]; then
    log "installing Node.js $version into $dir (the function's supported-range tests)"
    rm -rf "$dir"
    npm install --silent --no-audit --no-fund --prefix "$dir" "node@$version" >/dev/null
    [ "$("$dir/node_modules/.bin/node" --version)" = "v$version" ] || die "Node.js $version did not install into $dir"
    touch "$dir/.installed"
  fi
done

# --- tools/flux-build (Flux's own build code), rebuilt when a source file is newer than it ---------
flux_build="$REPO/.cache/tools/flux-build"
if [ ! -x "$flux_build" ] || [ -n "$(find "$REPO/tools/flux-build" -type f -newer "$flux_build")" ]; then
  log "building tools/flux-build (again only when its sources change)"
  (cd "$REPO/tools/flux-build" && go build -o "$flux_build" .) || die "building tools/flux-build failed (output above)"
fi

# --- the test control plane (a cold build is long; control-plane.sh reports progress) -------------
if [ -n "$control_plane" ]; then
  bash "$REPO/tools/control-plane/control-plane.sh" build
fi
log "tools ready: kustomize $KUSTOMIZE_VERSION, gitleaks $GITLEAKS_VERSION, kube-score $KUBE_SCORE_VERSION, actionlint $ACTIONLINT_VERSION, checkov $CHECKOV_VERSION${control_plane:+, control plane}"
