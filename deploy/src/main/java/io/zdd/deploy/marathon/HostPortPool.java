package io.zdd.deploy.marathon;

import io.zdd.common.model.PortRange;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Hands out host ports for tasks, like the port resources of a Mesos agent. A port is handed out
 * only if no task holds it and it can be bound right now, so ports taken by other programs are
 * skipped. Ports rotate (a freed port is not reused at once) to keep stale clients off new tasks.
 * Not thread-safe: the scheduler calls it under its lock.
 */
final class HostPortPool {
  private final PortRange range;
  private final InetAddress bindAddress;
  private final Set<Integer> inUse = new HashSet<>();
  private int cursor;

  HostPortPool(PortRange range, InetAddress bindAddress) {
    this.range = range;
    this.bindAddress = bindAddress;
    this.cursor = range.first();
  }

  /** {@code count} free ports, or empty if the range has too few. */
  Optional<List<Integer>> allocate(int count) {
    List<Integer> ports = new ArrayList<>();
    for (int tried = 0; tried < range.size() && ports.size() < count; tried++) {
      int port = cursor;
      cursor = cursor == range.last() ? range.first() : cursor + 1;
      if (!inUse.contains(port) && canBind(port)) {
        ports.add(port);
      }
    }
    if (ports.size() < count) {
      return Optional.empty();
    }
    inUse.addAll(ports);
    return Optional.of(ports);
  }

  /** Claims fixed ports (requirePorts, or a fixed hostPort); false if one of them is taken. */
  boolean claim(List<Integer> ports) {
    for (int port : ports) {
      if (inUse.contains(port) || !canBind(port)) {
        return false;
      }
    }
    inUse.addAll(ports);
    return true;
  }

  void release(List<Integer> ports) {
    ports.forEach(inUse::remove);
  }

  private boolean canBind(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(bindAddress, port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
