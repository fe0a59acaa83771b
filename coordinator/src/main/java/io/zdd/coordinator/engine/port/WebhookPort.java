package io.zdd.coordinator.engine.port;

import java.net.URI;
import java.time.Duration;

/** Calls operators' webhooks (gates) and sends notifications. */
public interface WebhookPort {
  /** Posts {@code jsonBody} to {@code url} and waits for the answer, at most {@code timeout}. Never throws. */
  WebhookResult call(URI url, String jsonBody, Duration timeout);

  /** Queues a notification (fire and forget, bounded queue; the oldest is dropped when full, counted and logged). */
  void notify(URI url, String jsonBody);

  /**
   * @param status HTTP status, or 0 when no answer came
   * @param error why there was no answer, or the start of the body on non-2xx
   */
  record WebhookResult(int status, String error, Duration took) {
    public boolean passed() {
      return status >= 200 && status < 300;
    }
  }

  static WebhookPort none() {
    return new WebhookPort() {
      @Override
      public WebhookResult call(URI url, String jsonBody, Duration timeout) {
        return new WebhookResult(0, "no webhook client", Duration.ZERO);
      }

      @Override
      public void notify(URI url, String jsonBody) {}
    };
  }
}
