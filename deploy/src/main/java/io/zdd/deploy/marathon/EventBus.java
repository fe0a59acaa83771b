package io.zdd.deploy.marathon;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Marathon's event stream. Each subscriber has a bounded queue; a subscriber that falls that far
 * behind is dropped (its stream ends), as Marathon drops slow SSE consumers, instead of buffering
 * without bound. Publishing never blocks, so the scheduler can publish under its lock and every
 * subscriber sees events in the scheduler's order.
 */
final class EventBus {
  private static final Logger log = LoggerFactory.getLogger(EventBus.class);
  static final int QUEUE_CAPACITY = 10_000;

  private final Clock clock;
  private final Set<Subscriber> subscribers = new CopyOnWriteArraySet<>();

  EventBus(Clock clock) {
    this.clock = clock;
  }

  /**
   * @param eventTypes only these types ({@code event_type=} query parameters); empty means all
   * @param lightPlans {@code plan-format=light}: deployment plans without original and target
   */
  Subscriber subscribe(Set<String> eventTypes, boolean lightPlans) {
    Subscriber subscriber = new Subscriber(Set.copyOf(eventTypes), lightPlans);
    subscribers.add(subscriber);
    return subscriber;
  }

  /** Adds {@code eventType} and {@code timestamp}, as every Marathon event has them. */
  ObjectNode stamped(String eventType, ObjectNode event) {
    event.put("eventType", eventType);
    event.put("timestamp", MarathonJson.timestamp(clock.instant()));
    return event;
  }

  /** Stamps the event and hands it to every subscriber. */
  void publish(String eventType, ObjectNode event) {
    stamped(eventType, event);
    String full = serialize(event);
    String light = null;
    if (event.has("plan")) {
      ObjectNode copy = event.deepCopy();
      ((ObjectNode) copy.get("plan")).remove(List.of("original", "target"));
      light = serialize(copy);
    }
    for (Subscriber s : subscribers) {
      s.offer(eventType, s.lightPlans && light != null ? light : full);
    }
  }

  int subscriberCount() {
    return subscribers.size();
  }

  /** Ends every stream (server shutdown). */
  void closeAll() {
    subscribers.forEach(Subscriber::close);
  }

  private static String serialize(ObjectNode event) {
    try {
      return MarathonJson.MAPPER.writeValueAsString(event);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("event not serializable", e);
    }
  }

  /** One SSE client. {@link #next} is called by the thread that writes the HTTP stream. */
  final class Subscriber implements AutoCloseable {
    private final Set<String> eventTypes;
    private final boolean lightPlans;
    private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private volatile boolean closed;

    private Subscriber(Set<String> eventTypes, boolean lightPlans) {
      this.eventTypes = eventTypes;
      this.lightPlans = lightPlans;
    }

    private void offer(String eventType, String json) {
      if (closed || (!eventTypes.isEmpty() && !eventTypes.contains(eventType))) {
        return;
      }
      if (!queue.offer("event: " + eventType + "\ndata: " + json + "\n\n")) {
        log.warn("dropping event stream subscriber: {} events queued", QUEUE_CAPACITY);
        close();
      }
    }

    /** The next SSE frame, or empty after {@code timeoutMillis} (time for a keep-alive). */
    Optional<String> next(long timeoutMillis) throws InterruptedException {
      return Optional.ofNullable(queue.poll(timeoutMillis, TimeUnit.MILLISECONDS));
    }

    boolean isClosed() {
      return closed && queue.isEmpty();
    }

    @Override
    public void close() {
      closed = true;
      subscribers.remove(this);
    }
  }
}
