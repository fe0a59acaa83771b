package io.zdd.agent.haproxy;

/** Any other error reply (permission, range, unknown command, ...). */
public final class CommandRejectedException extends HaproxyCommandException {
  CommandRejectedException(String command, String reply) {
    super(command, reply);
  }
}
