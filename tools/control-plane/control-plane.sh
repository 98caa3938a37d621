#!/usr/bin/env bash
# A real Kubernetes control plane for the tests: etcd, kube-apiserver and kube-controller-manager,
# built from the Go modules pinned in go.mod next to this script, on 127.0.0.1 only. No kubelet, so
# pods are created but never run.
#
#   control-plane.sh build   build the binaries (skipped when this exact pin is already built)
#   control-plane.sh up      build if needed, then start everything; prints the kubeconfig path
#   control-plane.sh down    stop what `up` started, by the PIDs it recorded
#   control-plane.sh status  exit 0 when the recorded processes are alive
#
# CONTROL_PLANE_STATE_DIR  certificates, etcd data, logs, PIDs, kubeconfig (default: <repo>/.cache/control-plane)
# CONTROL_PLANE_BIN_CACHE  built binaries, one directory per pin (default: ~/.cache/ecom-deploy/control-plane),
#                          outside the work tree so a fresh clone reuses them
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
STATE_DIR="${CONTROL_PLANE_STATE_DIR:-$REPO/.cache/control-plane}"
BIN_CACHE="${CONTROL_PLANE_BIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ecom-deploy/control-plane}"
START_TIMEOUT="${CONTROL_PLANE_START_TIMEOUT:-180}"

log() { printf 'control-plane: %s\n' "$*" >&2; }
die() {
  printf '\n*** control-plane: %s\n' "$*" >&2
  exit 1
}

# Versions are read from go.mod, so the binary cache key changes with the pin.
mod_version() {
  awk -v m="$1" '($1 == m && $2 ~ /^v/) { print $2; exit } ($1 == "require" && $2 == m) { print $3; exit }' "$HERE/go.mod"
}

K8S_VERSION="$(mod_version k8s.io/kubernetes)"
ETCD_VERSION="$(mod_version go.etcd.io/etcd/server/v3)"
[ -n "$K8S_VERSION" ] && [ -n "$ETCD_VERSION" ] || die "cannot read the k8s.io/kubernetes and etcd versions from $HERE/go.mod"

# Without these the binaries report v0.0.0-master, which kubectl flags as version skew and which
# component-base cannot map to the emulated Kubernetes version.
k8s_ldflags() {
  local minor="${K8S_VERSION#v1.}"
  minor="${minor%%.*}"
  local pkg flags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
    flags+=" -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  printf '%s' "$flags"
}

bin_dir() {
  command -v go >/dev/null 2>&1 || die "go not found on PATH: the control plane is built from Go modules (see docs/control-plane.md)"
  local sum
  sum="$( (cat "$HERE/go.mod" "$HERE/go.sum"; go env GOVERSION; k8s_ldflags) | sha256sum | cut -c1-12)"
  printf '%s/k8s-%s_etcd-%s_%s' "$BIN_CACHE" "$K8S_VERSION" "$ETCD_VERSION" "$sum"
}

cmd_build() {
  local dir
  dir="$(bin_dir)"
  if [ -f "$dir/build-seconds" ]; then
    log "reusing kube-apiserver/kube-controller-manager $K8S_VERSION and etcd $ETCD_VERSION from $dir (their cold build took $(cat "$dir/build-seconds")s)"
    return 0
  fi
  mkdir -p "$BIN_CACHE"
  local tmp start secs
  # Built into a scratch directory and renamed at the end, so an interrupted build is never reused.
  tmp="$(mktemp -d "$BIN_CACHE/.build.XXXXXX")"
  start="$(date +%s)"
  log "building kube-apiserver and kube-controller-manager $K8S_VERSION and etcd $ETCD_VERSION (a cold build takes minutes)"
  # Go prints nothing while it compiles; a line a minute shows the build is alive and how far along.
  (
    while sleep 60; do
      log "still building after $((($(date +%s) - start) / 60)) minute(s) (go build cache: $(du -sh "$(go env GOCACHE)" 2>/dev/null | cut -f1))"
    done
  ) >/dev/null &
  local heartbeat=$!
  (
    cd "$HERE"
    export CGO_ENABLED=0
    # The cores are shared with test runs; a lower priority keeps those responsive.
    nice -n 10 go build -trimpath -ldflags "$(k8s_ldflags)" -o "$tmp/" \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager
    nice -n 10 go build -trimpath -ldflags "-s -w" -o "$tmp/etcd" go.etcd.io/etcd/server/v3
  ) || {
    kill "$heartbeat" 2>/dev/null || true
    rm -rf "$tmp"
    die "building the control plane failed (output above)"
  }
  kill "$heartbeat" 2>/dev/null || true
  secs=$(($(date +%s) - start))
  echo "$secs" >"$tmp/build-seconds"
  rm -rf "$dir"
  mv "$tmp" "$dir"
  log "built in ${secs}s into $dir"
}

free_port() {
  node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# A recorded PID counts as ours only while it still runs one of our binaries, so a PID reused by an
# unrelated process after a crash is never signalled.
our_pid() {
  local name="$1" pidfile="$STATE_DIR/$1.pid" pid exe
  [ -f "$pidfile" ] || return 1
  pid="$(cat "$pidfile")"
  [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null || true)"
  case "$exe" in
    */"$name" | */"$name"" (deleted)") printf '%s' "$pid" ;;
    *) return 1 ;;
  esac
}

stop_one() {
  local name="$1" pid i
  if pid="$(our_pid "$name")"; then
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do
      [ -d "/proc/$pid" ] || break
      sleep 0.1
    done
    if [ -d "/proc/$pid" ]; then
      log "$name (pid $pid) ignored SIGTERM for 10s: killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    log "stopped $name (pid $pid)"
  fi
  rm -f "$STATE_DIR/$name.pid"
}

cmd_down() {
  stop_one kube-controller-manager
  stop_one kube-apiserver
  stop_one etcd
}

cmd_status() {
  local name ok=0
  for name in etcd kube-apiserver kube-controller-manager; do
    if pid="$(our_pid "$name")"; then
      echo "$name running (pid $pid)"
    else
      echo "$name not running"
      ok=1
    fi
  done
  [ -f "$STATE_DIR/kubeconfig" ] && echo "KUBECONFIG=$STATE_DIR/kubeconfig"
  return "$ok"
}

show_log_and_die() {
  local name="$1" msg="$2"
  printf '\n--- last lines of %s ---\n' "$STATE_DIR/logs/$name.log" >&2
  tail -n 40 "$STATE_DIR/logs/$name.log" >&2 || true
  cmd_down
  die "$msg (full logs in $STATE_DIR/logs)"
}

# Every file lives in the state dir; nothing is trusted beyond 127.0.0.1, and everything is regenerated
# at each start, so there is no key to protect or rotate.
gen_pki() {
  local pki="$STATE_DIR/pki"
  mkdir -p "$pki"
  (
    cd "$pki"
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 7 -keyout ca.key -out ca.crt \
      -subj "/CN=ecom-deploy-test-ca" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"
    leaf() {
      local name="$1" subj="$2" eku="$3" san="${4:-}"
      openssl req -new -newkey rsa:2048 -nodes -sha256 -keyout "$name.key" -out "$name.csr" -subj "$subj"
      {
        echo "basicConstraints=critical,CA:FALSE"
        echo "keyUsage=critical,digitalSignature,keyEncipherment"
        echo "extendedKeyUsage=$eku"
        [ -z "$san" ] || echo "subjectAltName=$san"
      } >"$name.ext"
      openssl x509 -req -sha256 -days 7 -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial \
        -extfile "$name.ext" -out "$name.crt"
      rm -f "$name.csr" "$name.ext"
    }
    leaf apiserver "/CN=kube-apiserver" serverAuth \
      "IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.96.0.1"
    leaf admin "/O=system:masters/CN=ecom-deploy-admin" clientAuth
    leaf controller-manager "/CN=system:kube-controller-manager" clientAuth
    # Signs and verifies service-account tokens (the TokenRequest API and the controllers' own tokens).
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.key
    openssl pkey -in sa.key -pubout -out sa.pub
  ) >"$STATE_DIR/logs/pki.log" 2>&1 || {
    cat "$STATE_DIR/logs/pki.log" >&2
    die "generating certificates with openssl failed"
  }
}

write_kubeconfig() {
  local file="$1" user="$2" server="$3" pki="$STATE_DIR/pki"
  kubectl config --kubeconfig="$file" set-cluster ecom-deploy-test --server="$server" \
    --certificate-authority="$pki/ca.crt" --embed-certs=true >/dev/null
  kubectl config --kubeconfig="$file" set-credentials "$user" \
    --client-certificate="$pki/$user.crt" --client-key="$pki/$user.key" --embed-certs=true >/dev/null
  kubectl config --kubeconfig="$file" set-context ecom-deploy-test --cluster=ecom-deploy-test --user="$user" >/dev/null
  kubectl config --kubeconfig="$file" use-context ecom-deploy-test >/dev/null
}

# Starts a binary detached from this shell's stdio: a caller that reads our output through a pipe
# (the test setup) must see it close when this script exits.
start_bg() {
  local name="$1"
  shift
  # The servers run with Go's default garbage collection, whatever the test run sets for its short-lived tools.
  env -u GOGC -u GOMEMLIMIT "$BIN/$name" "$@" </dev/null >"$STATE_DIR/logs/$name.log" 2>&1 &
  local pid=$! i
  echo "$pid" >"$STATE_DIR/$name.pid"
  # Until the forked shell has exec'd the binary, /proc/PID/exe still names bash and our_pid would
  # take a process that is only slow to start (a loaded machine) for one that has exited.
  for i in $(seq 1 100); do
    if our_pid "$name" >/dev/null || [ ! -d "/proc/$pid" ]; then return 0; fi
    sleep 0.1
  done
}

wait_for() {
  local name="$1" what="$2" deadline=$(($(date +%s) + START_TIMEOUT))
  shift 2
  until "$@" >/dev/null 2>&1; do
    our_pid "$name" >/dev/null || show_log_and_die "$name" "$name exited while starting"
    [ "$(date +%s)" -lt "$deadline" ] || show_log_and_die "$name" "$name: $what not reached within ${START_TIMEOUT}s"
    sleep 0.5
  done
}

cmd_up() {
  for tool in openssl node kubectl curl; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found on PATH (needed to start the control plane)"
  done
  mkdir -p "$STATE_DIR"
  local name
  for name in etcd kube-apiserver kube-controller-manager; do
    if pid="$(our_pid "$name")"; then
      die "$name from a previous start is still running (pid $pid) in $STATE_DIR: run \`$0 down\` first"
    fi
  done

  cmd_build
  BIN="$(bin_dir)"
  local started
  started="$(date +%s)"

  rm -rf "$STATE_DIR/etcd" "$STATE_DIR/pki" "$STATE_DIR/logs" "$STATE_DIR"/*.kubeconfig "$STATE_DIR/kubeconfig"
  mkdir -p "$STATE_DIR/logs"
  gen_pki
  local pki="$STATE_DIR/pki"

  local etcd_port peer_port api_port
  etcd_port="$(free_port)"
  peer_port="$(free_port)"
  api_port="$(free_port)"
  while [ "$peer_port" = "$etcd_port" ]; do peer_port="$(free_port)"; done
  while [ "$api_port" = "$etcd_port" ] || [ "$api_port" = "$peer_port" ]; do api_port="$(free_port)"; done

  # Throwaway data: skipping fsync keeps a shared disk from slowing every write.
  start_bg etcd --name=ecom-deploy-test --data-dir="$STATE_DIR/etcd" \
    --listen-client-urls="http://127.0.0.1:$etcd_port" --advertise-client-urls="http://127.0.0.1:$etcd_port" \
    --listen-peer-urls="http://127.0.0.1:$peer_port" --initial-advertise-peer-urls="http://127.0.0.1:$peer_port" \
    --initial-cluster="ecom-deploy-test=http://127.0.0.1:$peer_port" \
    --unsafe-no-fsync --log-level=warn
  wait_for etcd "health" curl -sf "http://127.0.0.1:$etcd_port/health"
  log "etcd $ETCD_VERSION ready on 127.0.0.1:$etcd_port"

  # Namespaces without pod-security.kubernetes.io labels warn at `restricted`, so a manifest that
  # is not restricted-clean shows up as a warning on every apply; enforcement stays at the upstream
  # default (privileged) unless a namespace label asks for more.
  cat >"$STATE_DIR/admission.yaml" <<'EOF'
apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
  - name: PodSecurity
    configuration:
      apiVersion: pod-security.admission.config.k8s.io/v1
      kind: PodSecurityConfiguration
      defaults:
        enforce: privileged
        enforce-version: latest
        audit: restricted
        audit-version: latest
        warn: restricted
        warn-version: latest
      exemptions:
        usernames: []
        runtimeClasses: []
        namespaces: []
EOF

  start_bg kube-apiserver \
    --advertise-address=127.0.0.1 --bind-address=127.0.0.1 --secure-port="$api_port" \
    --etcd-servers="http://127.0.0.1:$etcd_port" \
    --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
    --client-ca-file="$pki/ca.crt" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
    --api-audiences=https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range=10.96.0.0/16 \
    --authorization-mode=RBAC \
    --enable-admission-plugins=NamespaceLifecycle,LimitRanger,ServiceAccount,PodSecurity,DefaultStorageClass,ResourceQuota \
    --admission-control-config-file="$STATE_DIR/admission.yaml" \
    --allow-privileged=true --profiling=false --v=1
  local server="https://127.0.0.1:$api_port"
  wait_for kube-apiserver "/readyz" curl -sf --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" "$server/readyz"
  log "kube-apiserver $K8S_VERSION ready at $server"

  write_kubeconfig "$STATE_DIR/kubeconfig" admin "$server"
  write_kubeconfig "$STATE_DIR/controller-manager.kubeconfig" controller-manager "$server"

  # Serving port 0: nothing scrapes it, and it would need an authn/authz kubeconfig of its own.
  start_bg kube-controller-manager \
    --kubeconfig="$STATE_DIR/controller-manager.kubeconfig" \
    --secure-port=0 --leader-elect=false \
    --use-service-account-credentials=true \
    --service-account-private-key-file="$pki/sa.key" --root-ca-file="$pki/ca.crt" \
    --cluster-signing-cert-file="$pki/ca.crt" --cluster-signing-key-file="$pki/ca.key" \
    --profiling=false --v=1
  # The default ServiceAccount appears only once the controllers run, and pods need it to be admitted.
  wait_for kube-controller-manager "the default ServiceAccount" \
    kubectl --kubeconfig="$STATE_DIR/kubeconfig" get serviceaccount default --namespace=default
  log "kube-controller-manager ready; started in $(($(date +%s) - started))s"
  log "KUBECONFIG=$STATE_DIR/kubeconfig"
  printf '%s\n' "$STATE_DIR/kubeconfig"
}

case "${1:-}" in
  build) cmd_build ;;
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 build|up|down|status" >&2
    exit 2
    ;;
esac
