package io.zdd.agent.haproxy;

/** The backend or server named in the command does not exist ("No such server.", "No such backend."). */
public final class NoSuchServerException extends HaproxyCommandException {
  NoSuchServerException(String command, String reply) {
    super(command, reply);
  }
}
