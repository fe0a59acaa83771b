package io.zdd.coordinator.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A reply body read as UTF-8 text, at most {@code maxBytes} of it: past that the transfer is
 * cancelled and the reply fails with {@link TooLargeException}, so a broken or hostile server
 * (Marathon, Prometheus, a webhook receiver) cannot fill the coordinator's heap.
 */
public final class BoundedBody implements HttpResponse.BodySubscriber<String> {
  /** The reply was larger than the bound; nothing of it is used. */
  public static final class TooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    TooLargeException(int maxBytes, String bound) {
      super("reply larger than " + maxBytes + " bytes (" + bound + ")");
    }
  }

  private final int maxBytes;
  private final String bound;
  private final CompletableFuture<String> result = new CompletableFuture<>();
  private final ByteArrayOutputStream body = new ByteArrayOutputStream();
  private Flow.Subscription subscription;

  private BoundedBody(int maxBytes, String bound) {
    this.maxBytes = maxBytes;
    this.bound = bound;
  }

  /** @param bound what sets the bound, named in the failure (a flag, say) */
  public static HttpResponse.BodyHandler<String> handler(int maxBytes, String bound) {
    return info -> new BoundedBody(maxBytes, bound);
  }

  @Override
  public CompletionStage<String> getBody() {
    return result;
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    subscription = s;
    s.request(Long.MAX_VALUE);
  }

  @Override
  public void onNext(List<ByteBuffer> items) {
    if (result.isDone()) {
      return;
    }
    for (ByteBuffer b : items) {
      int n = b.remaining();
      if (body.size() + (long) n > maxBytes) {
        subscription.cancel();
        result.completeExceptionally(new TooLargeException(maxBytes, bound));
        return;
      }
      byte[] chunk = new byte[n];
      b.get(chunk);
      body.write(chunk, 0, n);
    }
  }

  @Override
  public void onError(Throwable t) {
    result.completeExceptionally(t);
  }

  @Override
  public void onComplete() {
    result.complete(body.toString(StandardCharsets.UTF_8));
  }
}
