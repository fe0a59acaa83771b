# zdd lb-agent image.
#
# Build from the repository root after building the jars:
#   mvn -B -DskipTests package
#   docker build -f deploy/manifests/docker/agent.Dockerfile -t zdd/lb-agent:0.1.0 .
# deploy/target/lib holds the runtime classpath (every zdd module jar and its dependencies).
#
# Docker cannot run on the build machine, so the tests do not build this image; they check the
# Marathon definition that uses it (deploy/src/test/java/io/zdd/deploy/manifests).
#
# Debian 12 with the Java 17 runtime plus the programs the agent runs: haproxy (supervise mode,
# and 'haproxy -c' checks in attach mode; keep it the same major version as the HAProxy it
# attaches to) and iptables (the port swap). Run it with host networking and NET_ADMIN only
# (--cap-drop ALL --cap-add NET_ADMIN --security-opt no-new-privileges; attach mode, as in the
# Marathon manifest). In supervise mode also add SETUID and SETGID: the agent runs as root inside
# so that its HAProxy can switch the workers to the image's haproxy account (created by the
# package); the workers never hold NET_ADMIN. Certificates come from /etc/zdd (mounted read-only).
FROM debian:12-slim

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      openjdk-17-jre-headless haproxy iptables iproute2 util-linux ca-certificates \
 && rm -rf /var/lib/apt/lists/*

COPY deploy/target/lib/ /opt/zdd/lib/

# --data-dir: the highest leader epoch, applied versions and port redirects; mount a host volume.
VOLUME ["/var/lib/zdd-agent"]
# 7100: LbAgent gRPC (default; the manifests use 7110); 7101: /metrics and /healthz (manifests: 7111).
EXPOSE 7100 7101
ENTRYPOINT ["/usr/bin/java", "-cp", "/opt/zdd/lib/*", "io.zdd.agent.AgentMain"]
