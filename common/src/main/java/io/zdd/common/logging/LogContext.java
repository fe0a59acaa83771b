package io.zdd.common.logging;

import org.slf4j.MDC;

/**
 * Puts context on every log line written inside a scope: {@code [agent=…]}, {@code [deployment=…]}
 * (the pattern in logback.xml prints the MDC keys). Use with try-with-resources; values are
 * restored on close, so nested scopes work.
 */
public final class LogContext implements AutoCloseable {
  public static final String AGENT = "agent";
  public static final String DEPLOYMENT = "deployment";
  public static final String GROUP = "group";
  public static final String NODE = "node";

  private final String key;
  private final String previous;

  private LogContext(String key, String value) {
    this.key = key;
    this.previous = MDC.get(key);
    MDC.put(key, value);
  }

  public static LogContext agent(String agentId) {
    return new LogContext(AGENT, agentId);
  }

  public static LogContext deployment(String deploymentId) {
    return new LogContext(DEPLOYMENT, deploymentId);
  }

  public static LogContext group(String group) {
    return new LogContext(GROUP, group);
  }

  /** The process-level identity (e.g. coordinator host:port) when several run in one JVM. */
  public static LogContext node(String node) {
    return new LogContext(NODE, node);
  }

  @Override
  public void close() {
    if (previous == null) {
      MDC.remove(key);
    } else {
      MDC.put(key, previous);
    }
  }
}
