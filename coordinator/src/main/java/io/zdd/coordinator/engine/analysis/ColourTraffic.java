package io.zdd.coordinator.engine.analysis;

/**
 * What the LBs saw of one colour's servers in a window: differences of HAProxy's counters between
 * two readings. Average times are kept as sums weighted by responses, so windows and LBs add up.
 */
public record ColourTraffic(long responses1xx, long responses2xx, long responses3xx, long responses4xx,
    long responses5xx, long responsesOther, long connectionErrors, long responseErrors, long retries, long redispatches,
    double responseMsSum, double totalMsSum) {
  public static final ColourTraffic NONE = new ColourTraffic(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

  public long responses() {
    return responses1xx + responses2xx + responses3xx + responses4xx + responses5xx + responsesOther;
  }

  public ColourTraffic plus(ColourTraffic o) {
    return new ColourTraffic(responses1xx + o.responses1xx, responses2xx + o.responses2xx, responses3xx + o.responses3xx,
        responses4xx + o.responses4xx, responses5xx + o.responses5xx, responsesOther + o.responsesOther,
        connectionErrors + o.connectionErrors, responseErrors + o.responseErrors, retries + o.retries,
        redispatches + o.redispatches, responseMsSum + o.responseMsSum, totalMsSum + o.totalMsSum);
  }
}
