package io.zdd.agent.haproxy;

/** {@code add server} with a name the backend already has. */
public final class ServerExistsException extends HaproxyCommandException {
  ServerExistsException(String command, String reply) {
    super(command, reply);
  }
}
