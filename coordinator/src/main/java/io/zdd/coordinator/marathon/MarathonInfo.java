package io.zdd.coordinator.marathon;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code GET /v2/info}: which Marathon answered.
 *
 * @param name {@code name}, normally "marathon"
 * @param version {@code version}, e.g. "1.5.1"
 * @param leader {@code leader} (host:port of the leading Marathon), when reported
 * @param raw the reply as sent
 */
public record MarathonInfo(String name, String version, Optional<String> leader, ObjectNode raw) {
  public MarathonInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(version, "version");
    leader = leader == null ? Optional.empty() : leader;
    raw = Objects.requireNonNull(raw, "raw").deepCopy();
  }

  @Override
  public ObjectNode raw() {
    return raw.deepCopy();
  }

  @Override
  public String toString() {
    return "MarathonInfo[name=" + name + ", version=" + version + ", leader=" + leader.orElse("?") + "]";
  }
}
