#!/usr/bin/env bash
# Writes, on stdout, a kubeconfig for Latchkey's ServiceAccount (latchkey in namespace latchkey) on one cluster,
# for a Latchkey running outside that cluster (README, "Running Latchkey outside the cluster"):
#
#   kubectl --context prod apply -k deploy-cluster-side/
#   (umask 077; deploy/latchkey-kubeconfig.sh prod > latchkey-prod.kubeconfig)
#
# The token comes from the Secret latchkey-token (deploy-cluster-side/token-secret.yaml), which Kubernetes fills
# and which does not expire: it works until the Secret or the ServiceAccount is deleted. Not `kubectl create
# token`: that token expires (after an hour by default), and from then on Latchkey fails on every call to the
# cluster. The server URL and its CA come from <context> of your own kubeconfig, the way you reach the cluster
# (the Secret's ca.crt when the context names no CA). Before printing, the script checks that the kubeconfig
# authenticates and that Latchkey's rights are in place. The output is a credential: keep it like one.
#
# Environment: LATCHKEY_TOKEN_WAIT, seconds to wait for Kubernetes to fill the Secret (default 60);
# KUBECONFIG as for kubectl.
set -euo pipefail

NAMESPACE=latchkey
SECRET=latchkey-token
WAIT="${LATCHKEY_TOKEN_WAIT:-60}"

die() { echo "latchkey-kubeconfig: $*" >&2; exit 1; }

[ $# -eq 1 ] && [ -n "$1" ] || { echo "usage: $0 <kubectl context> > latchkey-<cluster>.kubeconfig" >&2; exit 2; }
CONTEXT=$1
command -v kubectl >/dev/null 2>&1 || die "kubectl is not on the PATH"
[[ "$WAIT" =~ ^[0-9]+$ ]] || die "LATCHKEY_TOKEN_WAIT must be a whole number of seconds (got $WAIT)"
kubectl config get-contexts -o name | grep -qxF -- "$CONTEXT" \
  || die "no context $CONTEXT in your kubeconfig (kubectl config get-contexts lists them)"

cluster() { kubectl config view --raw --flatten --minify --context "$CONTEXT" -o "jsonpath={.clusters[0].cluster.$1}"; }
SERVER=$(cluster server)
CA=$(cluster certificate-authority-data)
[ -n "$SERVER" ] || die "context $CONTEXT names no server"
[ "$(cluster insecure-skip-tls-verify)" != true ] \
  || die "context $CONTEXT skips TLS verification; give it the cluster's CA first: Latchkey's kubeconfig must verify the server"

kc() { kubectl --context "$CONTEXT" --namespace "$NAMESPACE" "$@"; }
kc get secret "$SECRET" -o name >/dev/null \
  || die "the Secret $NAMESPACE/$SECRET is not readable on $CONTEXT: apply it first (kubectl --context $CONTEXT apply -k deploy-cluster-side/)"

# Kubernetes' token controller fills the Secret within a second or two of its creation.
deadline=$((SECONDS + WAIT))
TOKEN=
until TOKEN=$(kc get secret "$SECRET" -o 'jsonpath={.data.token}') && [ -n "$TOKEN" ]; do
  [ "$SECONDS" -lt "$deadline" ] || die "the Secret $NAMESPACE/$SECRET on $CONTEXT still holds no token after ${WAIT}s. \
Kubernetes' token controller fills it (kube-controller-manager, controller serviceaccount-token, with \
--service-account-private-key-file); it is not running, or disabled by --controllers, on this cluster. \
Check that the ServiceAccount $NAMESPACE/latchkey exists, and: kubectl --context $CONTEXT -n $NAMESPACE describe secret $SECRET"
  sleep 0.2
done
TOKEN=$(printf '%s' "$TOKEN" | base64 -d)
if [ -z "$CA" ]; then
  CA=$(kc get secret "$SECRET" -o 'jsonpath={.data.ca\.crt}')
fi

quote() { printf "'%s'" "${1//\'/\'\'}"; }
kubeconfig() {
  cat <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: $(quote "$CONTEXT")
    cluster:
      server: $(quote "$SERVER")
$([ -n "$CA" ] && printf '      certificate-authority-data: %s\n' "$CA")
users:
  - name: latchkey
    user:
      token: $(quote "$TOKEN")
contexts:
  - name: $(quote "latchkey@$CONTEXT")
    context:
      cluster: $(quote "$CONTEXT")
      user: latchkey
      namespace: $NAMESPACE
current-context: $(quote "latchkey@$CONTEXT")
EOF
}

check=$(mktemp)
trap 'rm -f "$check"' EXIT
chmod 600 "$check"
kubeconfig > "$check"
if ! answer=$(kubectl --kubeconfig "$check" auth can-i create clusterrolebindings 2>&1); then
  die "the kubeconfig for $CONTEXT does not work as Latchkey's identity (kubectl auth can-i create clusterrolebindings: $answer). \
Apply deploy-cluster-side/ (it holds Latchkey's RBAC)."
fi
kubeconfig
