# Latchkey container image. Nothing publishes it: build it, tagged with the version in pom.xml, and push it to
# your registry (README, Quickstart; deploy/kustomization.yaml then names it):
#
#   docker build -t <registry>/latchkey:0.1.0-SNAPSHOT .
#   docker push <registry>/latchkey:0.1.0-SNAPSHOT
#   docker run --rm -p 3000:3000 \
#     -e SLACK_BOT_TOKEN -e SLACK_SIGNING_SECRET \
#     -v "$PWD/latchkey.yml:/etc/latchkey/latchkey.yml:ro" \
#     -v latchkey-data:/data \
#     <registry>/latchkey:0.1.0-SNAPSHOT
#
# The embedded H2 database lives in the /data volume (database.url: jdbc:h2:file:/data/latchkey; the default
# ./data/latchkey resolves there too, see below). Kubernetes manifests are in deploy/.

# ---------------------------------------------------------------------------------------------- build
FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /src

# Poms first: the dependency layer below is rebuilt only when a pom changes, not on every source edit.
COPY pom.xml ./
COPY core/pom.xml core/
COPY storage/pom.xml storage/
COPY k8s-adapter/pom.xml k8s-adapter/
COPY gateway/pom.xml gateway/
COPY bot/pom.xml bot/
# Building the still empty modules downloads every dependency and plugin the real build needs (including the
# test-scoped ones that test compilation resolves). dependency:go-offline cannot do this for a multi-module
# build, because it tries to download the sibling modules' snapshots from a remote repository.
RUN mvn -B -q -DskipTests package \
    && rm -rf core/target storage/target k8s-adapter/target gateway/target bot/target

COPY core/src core/src
COPY storage/src storage/src
COPY k8s-adapter/src k8s-adapter/src
COPY gateway/src gateway/src
COPY bot/src bot/src
# Tests run in CI (./latchkey test), some need a Kubernetes API server and cannot run in a build container.
RUN mvn -B -o -DskipTests package

# -------------------------------------------------------------------------------------------- runtime
# Pinned to the Ubuntu release (noble) so that a rebuild does not silently move to another OS.
FROM eclipse-temurin:21-jre-noble

# - /data holds the H2 database and must be writable by the service user; /app/data points at it, so the
#   default database URL (jdbc:h2:file:./data/latchkey, relative to WORKDIR /app) also lands in the volume.
# - /etc/latchkey is where latchkey.yml is mounted (a file, a ConfigMap).
# - curl is the health check's client (below). The eclipse-temurin Ubuntu images install curl and wget on
#   purpose (adoptium/containers#255); the check makes the build fail, rather than every health check, should a
#   future base image drop it.
# - uid/gid 10001 are fixed: deploy/deployment.yaml's runAsUser, runAsGroup and fsGroup say the same.
RUN set -eux; \
    groupadd --system --gid 10001 latchkey; \
    useradd --system --uid 10001 --gid latchkey --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin latchkey; \
    mkdir -p /app /data /etc/latchkey; \
    chown 10001:10001 /data; \
    chmod 0750 /data; \
    ln -s /data /app/data; \
    command -v curl

WORKDIR /app
# Only the shaded jar (bot's finalName), owned by root: the service user can read it, not change it.
COPY --from=build /src/bot/target/latchkey.jar /app/latchkey.jar

# MALLOC_ARENA_MAX: two malloc arenas instead of one per thread that ever allocated (each up to 64 MB of RSS).
# Health and metrics listen on MANAGEMENT_PORT, on the loopback only unless MANAGEMENT_ADDRESS says
# otherwise (deploy/deployment.yaml sets 0.0.0.0 for the kubelet's probes); they are not exposed. The session
# gateway (clusters with credentials: gateway) listens on LATCHKEY_GATEWAY_PORT and keeps the CA it makes in the
# data volume, so handed-out kubeconfigs stay valid across restarts.
ENV PORT=3000 \
    MANAGEMENT_PORT=9090 \
    LATCHKEY_GATEWAY_PORT=8443 \
    LATCHKEY_GATEWAY_DIR=/data/gateway \
    LATCHKEY_CONFIG=/etc/latchkey/latchkey.yml \
    MALLOC_ARENA_MAX=2

VOLUME ["/data"]
EXPOSE 3000 8443

# Numeric, so that Kubernetes' runAsNonRoot can verify it without looking up /etc/passwd.
USER 10001:10001

# For plain Docker / Compose. Kubernetes ignores HEALTHCHECK and uses the probes in deploy/deployment.yaml,
# which are the real checks there. /healthz answers "process alive" only: /readyz also checks the database and
# every cluster, and an outage of one of those must not mark the process itself unhealthy.
# curl (shipped by the base image, checked above) instead of a `java` one-liner: a second JVM every 30 s would
# cost more memory and CPU than Latchkey itself at rest. Shell form so that MANAGEMENT_PORT is expanded.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD curl --fail --silent --show-error --max-time 4 --output /dev/null "http://127.0.0.1:${MANAGEMENT_PORT:-9090}/healthz" || exit 1

# java is PID 1 (exec form), so SIGTERM reaches Latchkey directly and its graceful shutdown runs.
# Small-footprint flags: the serial collector (one core, small heap: the lowest overhead), the heap sized from the
# container's memory limit, and smaller thread stacks. A class-data archive in the data volume (written when the
# first start exits, read by every later one: about half the start-up time; only the service user, who owns the
# database beside it, can write it). JVM warnings go to stderr, so stdout stays one JSON object a line. Out of
# memory ends the process (the orchestrator restarts it, and the start catches up on everything due) rather than
# leaving a JVM whose timer threads may have died. Add flags with JAVA_TOOL_OPTIONS.
ENTRYPOINT ["java", "-XX:+UseSerialGC", "-XX:MaxRAMPercentage=60", "-Xss512k", "-XX:+ExitOnOutOfMemoryError", \
    "-XX:SharedArchiveFile=/data/latchkey.jsa", "-XX:+AutoCreateSharedArchive", \
    "-Xlog:disable", "-Xlog:all=warning,cds=off,cds+dynamic=off:stderr", \
    "-jar", "/app/latchkey.jar"]
