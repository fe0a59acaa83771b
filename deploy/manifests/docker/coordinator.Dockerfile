# zdd coordinator image.
#
# Build from the repository root after building the jars:
#   mvn -B -DskipTests package
#   docker build -f deploy/manifests/docker/coordinator.Dockerfile -t zdd/coordinator:0.1.0 .
# deploy/target/lib holds the runtime classpath (every zdd module jar and its dependencies),
# copied there by the deploy module's maven-dependency-plugin at 'package'.
#
# Docker cannot run on the build machine, so the tests do not build this image; they check the
# Marathon definition that uses it (deploy/src/test/java/io/zdd/deploy/manifests).
#
# Debian 12 with a Java 17 runtime and nothing else (no shell): the coordinator runs no programs.
FROM gcr.io/distroless/java17-debian12:nonroot

COPY deploy/target/lib/ /opt/zdd/lib/

# 7100: admin gRPC (CLI, other coordinators); 7101: /metrics and /healthz.
EXPOSE 7100 7101
USER nonroot
# Every flag also reads a ZDD_* environment variable (docs/operations.md); Marathon sets them.
ENTRYPOINT ["/usr/bin/java", "-cp", "/opt/zdd/lib/*", "io.zdd.coordinator.CoordinatorMain"]
