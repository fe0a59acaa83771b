package io.zdd.agent.haproxy;

import java.nio.file.Path;

/**
 * Where one HAProxy instance's files and sockets are.
 *
 * @param binary the haproxy executable (same one for {@code -c} and for running)
 * @param baseConfig the base config, never written by the agent when attached
 * @param zddConfig the agent's own config file, loaded after the base one
 * @param statsSocket worker runtime API socket
 * @param masterSocket master CLI socket
 */
public record HaproxyPaths(Path binary, Path baseConfig, Path zddConfig, Path statsSocket, Path masterSocket) {
  public static final Path DEFAULT_BINARY = Path.of("/usr/sbin/haproxy");
}
