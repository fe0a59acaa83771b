package io.zdd.common.model;

import java.util.List;
import java.util.Optional;

/** A group as HAProxy reports it after an apply, with the version and epoch applied. */
public record ObservedBackend(
    GroupName group,
    long appliedVersion,
    Epoch appliedEpoch,
    int frontendPort,
    List<ObservedServer> servers) {
  public ObservedBackend {
    servers = List.copyOf(servers);
  }

  public Optional<ObservedServer> server(String name) {
    return servers.stream().filter(s -> s.name().equals(name)).findFirst();
  }
}
