package io.zdd.common.model;

/** TEMPORARY stand-in until the real one lands. */
public record ServerTraffic(String group, String server, Colour colour, String taskId, long responses1xx, long responses2xx,
    long responses3xx, long responses4xx, long responses5xx, long responsesOther, long connectionErrors, long responseErrors,
    long retries, long redispatches, long sessionsTotal, long avgResponseMs, long avgTotalMs) {}
