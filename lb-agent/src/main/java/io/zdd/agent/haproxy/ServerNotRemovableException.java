package io.zdd.agent.haproxy;

/** {@code del server} refused: not in maintenance, still has connections, or referenced by config. */
public final class ServerNotRemovableException extends HaproxyCommandException {
  ServerNotRemovableException(String command, String reply) {
    super(command, reply);
  }
}
