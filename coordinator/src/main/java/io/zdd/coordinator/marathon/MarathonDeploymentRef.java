package io.zdd.coordinator.marathon;

import java.util.Objects;
import java.util.Optional;

/**
 * A Marathon deployment: an entry of an app's {@code deployments} array ({@code {"id": …}}), or
 * the {@code {"deploymentId": …, "version": …}} reply of a write that started one.
 *
 * @param id the deployment id, never blank
 * @param version the app version the write produced, when Marathon said
 */
public record MarathonDeploymentRef(String id, Optional<String> version) {
  public MarathonDeploymentRef {
    Objects.requireNonNull(id, "id");
    if (id.isBlank()) {
      throw new IllegalArgumentException("deployment id must not be blank");
    }
    version = version == null ? Optional.empty() : version;
  }

  public static MarathonDeploymentRef of(String id) {
    return new MarathonDeploymentRef(id, Optional.empty());
  }
}
