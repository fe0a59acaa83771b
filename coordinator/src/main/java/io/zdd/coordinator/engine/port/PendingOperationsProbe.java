package io.zdd.coordinator.engine.port;

import java.util.OptionalDouble;

/**
 * Reads an application's own pending-operations gauge from one task (work a task still has to
 * finish after its last connection closed, e.g. queued database transactions). Empty when the endpoint could not be read or has no such
 * metric: the engine then keeps waiting, it never takes "unknown" for 0.
 */
public interface PendingOperationsProbe {
  OptionalDouble read(String metricName, String host, int port, String path);
}
