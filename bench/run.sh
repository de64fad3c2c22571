#!/usr/bin/env bash
# Latchkey's benchmarks, in one command (see bench/README.md):
#
#   bench/run.sh
#
# builds Latchkey and the bench module, starts a throw-away Kubernetes API server from ../shared/kube, runs
# every benchmark, stops the server and writes bench/RESULTS.md (the parts between its markers). About 18 minutes
# on 2 cores. Settings (environment, all optional): BENCH_ONLY=due,ack,grants,gateway · BENCH_RATES=50,100,200 ·
# BENCH_SECONDS=30 · BENCH_WARMUP_SECONDS=30 · BENCH_APPROVALS=1000 · BENCH_EXPIRY_GRANTS=10000 ·
# BENCH_EXPIRY_TIMEOUT_SECONDS=600 · BENCH_RESULTS=bench/RESULTS.md · BENCH_WORKDIR (default: a new /tmp folder) ·
# LATCHKEY_JAVA_OPTS (JVM options of the Latchkey process; default those of ./latchkey run) ·
# BENCH_JAVA_OPTS (of the benchmark process, default -Xmx2g) · ADMIN_KUBECONFIG (use this API server instead of
# starting one) · BENCH_SKIP_BUILD=1 · the gateway's: BENCH_GATEWAY=6,7,8,9 · BENCH_GATEWAY_WARMUP_SECONDS=90 · BENCH_EXEC_MB=100 ·
# BENCH_EXEC_RUNS=3 · BENCH_EXEC_WARMUPS=2 · BENCH_RECORDING_CAP_MB=256 · BENCH_CUT_GRANTS=100 · BENCH_CUT_SESSIONS=10 · BENCH_WATCHES=1000.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

pick_jdk() { # a JDK 21 or later: JAVA_HOME if it is one, else the newest under /usr/lib/jvm or /opt/java
  local home v
  for home in ${JAVA_HOME:-} $(ls -d /usr/lib/jvm/* /opt/java/* 2>/dev/null | sort -rV); do
    [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || continue
    v=$("$home/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p')
    if [ -n "$v" ] && [ "$v" -ge 21 ]; then export JAVA_HOME="$home" PATH="$home/bin:$PATH"; return 0; fi
  done
  echo "bench/run.sh needs a JDK 21 or later (set JAVA_HOME)." >&2; exit 1
}
pick_jdk

WORK="${BENCH_WORKDIR:-$(mktemp -d /tmp/latchkey-bench.XXXXXX)}"
mkdir -p "$WORK"
export BENCH_WORKDIR="$WORK" BENCH_RESULTS="${BENCH_RESULTS:-$PWD/bench/RESULTS.md}"
export LATCHKEY_JAR="$PWD/bot/target/latchkey.jar" DEPLOY_DIR="$PWD/deploy"
echo "bench: work folder $WORK (logs of every process are kept there)"

if [ "${BENCH_SKIP_BUILD:-}" != 1 ]; then
  echo "bench: building Latchkey and the bench module…"
  # clean: the shade plugin would otherwise re-shade its own earlier output and keep stale Latchkey classes.
  build() { mvn -q -B "$@" -DskipTests install && mvn -q -B "$@" -Pbench -pl bench -DskipTests clean package; }
  build -o 2>/dev/null || build
fi

KIT="${KUBE_KIT:-../shared/kube}"
if [ -z "${ADMIN_KUBECONFIG:-}" ]; then
  echo "bench: starting a Kubernetes API server from $KIT…"
  kit_out=$("$KIT/start.sh")
  eval "$(printf '%s\n' "$kit_out" | grep -E '^(WORKDIR|ADMIN_KUBECONFIG|SERVER|READY_SECONDS)=')"
  trap '"$KIT/stop.sh" "$WORKDIR" --purge >/dev/null 2>&1 || true' EXIT
  echo "bench: API server $SERVER ready in ${READY_SECONDS}s"
fi
export ADMIN_KUBECONFIG

# The benchmark process hosts the load generator, the Slack stub and (benchmarks 2 and 3) Latchkey itself; what
# Latchkey prints (JSON logs, audit lines) goes to $WORK/bench-stdout.log, progress to the terminal.
java ${BENCH_JAVA_OPTS:--Xmx2g} -jar bench/target/latchkey-bench.jar > "$WORK/bench-stdout.log"
echo "bench: results written to $BENCH_RESULTS"
