package io.zdd.agent.haproxy;

import io.zdd.common.error.ZddException;

/**
 * HAProxy answered a runtime command with an error text. The subclasses name the replies the
 * agent acts on; anything else is a {@link CommandRejectedException}.
 */
public abstract sealed class HaproxyCommandException extends ZddException
    permits NoSuchServerException, ServerExistsException, ServerNotRemovableException,
        CommandRejectedException {
  private final String command;
  private final String reply;

  protected HaproxyCommandException(String command, String reply) {
    super("HAProxy refused '" + command + "': " + reply);
    this.command = command;
    this.reply = reply;
  }

  /** The command as sent. */
  public String command() {
    return command;
  }

  /** HAProxy's own reply, stripped. */
  public String reply() {
    return reply;
  }

  /** Maps a reply HAProxy gave to {@code command} to the matching exception type. */
  static HaproxyCommandException of(String command, String reply) {
    String r = reply.strip();
    if (r.startsWith("No such server") || r.startsWith("No such backend")) {
      return new NoSuchServerException(command, r);
    }
    if (r.startsWith("Already exists a server")) {
      return new ServerExistsException(command, r);
    }
    if (r.startsWith("Only servers in maintenance mode can be deleted")
        || r.startsWith("Server still has connections attached")
        || r.startsWith("This server cannot be removed")) {
      return new ServerNotRemovableException(command, r);
    }
    return new CommandRejectedException(command, r);
  }
}
