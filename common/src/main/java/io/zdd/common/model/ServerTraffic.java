package io.zdd.common.model;

/**
 * What HAProxy counted for one server of a group on one LB, every worker together (the agent's
 * ReadTraffic): cumulative counters, which drop when a worker exits; and HAProxy's average times
 * over its last 1024 requests.
 *
 * @param colour the server's colour in the applied set; NONE when it is no longer in it
 * @param taskId its Marathon task id; empty when it is no longer in the set
 */
public record ServerTraffic(String group, String server, Colour colour, String taskId, long responses1xx, long responses2xx,
    long responses3xx, long responses4xx, long responses5xx, long responsesOther, long connectionErrors, long responseErrors,
    long retries, long redispatches, long sessionsTotal, long avgResponseMs, long avgTotalMs) {
  public ServerTraffic {
    colour = colour == null ? Colour.NONE : colour;
    taskId = taskId == null ? "" : taskId;
  }

  /** HTTP responses of every class. */
  public long responses() {
    return responses1xx + responses2xx + responses3xx + responses4xx + responses5xx + responsesOther;
  }

  /** The same counters, for the server of the applied set it belongs to. */
  public ServerTraffic of(Colour c, String task) {
    return new ServerTraffic(group, server, c, task, responses1xx, responses2xx, responses3xx, responses4xx, responses5xx,
        responsesOther, connectionErrors, responseErrors, retries, redispatches, sessionsTotal, avgResponseMs, avgTotalMs);
  }
}
