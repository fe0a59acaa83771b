package io.zdd.coordinator.marathon;

/**
 * Receives {@link MarathonEventStream}'s events, all on the stream's one thread, in order. Events
 * sent while the stream was disconnected are lost, so a consumer that keeps state should re-read
 * Marathon in {@link #onConnected()}.
 */
public interface MarathonEventListener {
  void onEvent(MarathonEvent event);

  /** The stream is (re)connected; events from now on will be delivered. */
  default void onConnected() {}

  /** The stream broke (or ended); it reconnects after a backoff unless closed. */
  default void onDisconnected(String reason) {}
}
