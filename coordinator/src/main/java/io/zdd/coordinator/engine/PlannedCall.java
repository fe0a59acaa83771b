package io.zdd.coordinator.engine;

/** One Marathon call a deployment would make (a dry run's output). */
public record PlannedCall(String method, String path, String body, String purpose) {}
