package io.zdd.common.model;

import io.zdd.common.error.InvalidInputException;

/**
 * One server (an app task's address) in a group's backend, as the coordinator wants it.
 *
 * @param name HAProxy server name, unique within the backend
 * @param address IPv4 or IPv6 literal (runtime-added servers cannot resolve names)
 * @param port task port, 1..65535
 * @param weight 0..256
 * @param adminState desired administrative state
 * @param colour colour of the app the task belongs to
 * @param taskId Marathon task id (bookkeeping only; may be empty)
 */
public record BackendServer(
    String name,
    String address,
    int port,
    int weight,
    AdminState adminState,
    Colour colour,
    String taskId) {

  public BackendServer {
    Validation.name("server.name", name);
    if (!IpLiteral.isValid(address)) {
      throw new InvalidInputException("server.address",
          "must be an IPv4 or IPv6 literal, got '" + Validation.printable(address) + "'");
    }
    Validation.port("server.port", port);
    Validation.weight("server.weight", weight);
    adminState = adminState == null ? AdminState.READY : adminState;
    colour = colour == null ? Colour.NONE : colour;
    taskId = taskId == null ? "" : taskId;
  }

  public BackendServer withWeight(int newWeight) {
    return new BackendServer(name, address, port, newWeight, adminState, colour, taskId);
  }

  public BackendServer withAdminState(AdminState state) {
    return new BackendServer(name, address, port, weight, state, colour, taskId);
  }
}
