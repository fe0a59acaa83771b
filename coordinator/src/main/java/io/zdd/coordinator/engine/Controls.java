package io.zdd.coordinator.engine;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The operator's part of a deployment record: requests accepted but not applied yet.
 *
 * <p>A control (pause, resume, promote, abort) never waits for a tick: the leader checks it
 * against the record as it is, appends it here with a fenced write and answers. The deployment's
 * next tick applies every pending request in order, before it acts, and raises
 * {@code appliedThrough} in the same write as the request's effect, so a request survives a
 * leader change and is applied exactly once. Only controls add to {@code pending}; only ticks
 * raise {@code appliedThrough} (see {@link Deployment} for how both writers merge).
 *
 * @param pending requests with {@code seq > appliedThrough}, oldest first
 * @param appliedThrough the highest request sequence number applied (or dropped, with a reason)
 */
public record Controls(List<ControlRequest> pending, long appliedThrough) {
  /** Requests a deployment keeps waiting at once; a further one is refused until a tick applies them. */
  public static final int MAX_PENDING = 16;

  public static final Controls NONE = new Controls(List.of(), 0);

  public Controls {
    pending = pending == null ? List.of() : List.copyOf(pending);
  }

  /** The next request's sequence number. */
  long nextSeq() {
    return Math.max(appliedThrough, pending.isEmpty() ? 0 : pending.get(pending.size() - 1).seq()) + 1;
  }

  Controls plus(Control control, Instant at) {
    List<ControlRequest> next = new ArrayList<>(pending);
    next.add(new ControlRequest(nextSeq(), control, at));
    return new Controls(next, appliedThrough);
  }

  /** These controls with everything up to {@code seq} marked applied. */
  Controls appliedThrough(long seq) {
    long through = Math.max(appliedThrough, seq);
    return new Controls(pending.stream().filter(r -> r.seq() > through).toList(), through);
  }
}
