package io.zdd.coordinator.dashboard;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.regex.Matcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dashboard's HTTP edge, one per connection, behind the metrics endpoint's handler (which
 * passes on every path it does not serve). Requests are answered on a small bounded pool, never on
 * the event loop (they read ZooKeeper); event streams are written as the events come. Every answer
 * carries a strict Content-Security-Policy (scripts and styles only from this origin, nothing
 * inline), {@code nosniff}, no framing and no caching.
 */
final class DashboardHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger log = LoggerFactory.getLogger(DashboardHttpHandler.class);
  static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
      + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private final DashboardApi api;
  private final EventStreams streams;
  private final Executor work;
  private final List<Runnable> onWritable = new CopyOnWriteArrayList<>();
  private final List<Runnable> onClosed = new CopyOnWriteArrayList<>();

  DashboardHttpHandler(DashboardApi api, EventStreams streams, Executor work) {
    this.api = api;
    this.streams = streams;
    this.work = work;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
    String path = new QueryStringDecoder(req.uri()).path();
    String method = req.method().name().toUpperCase(Locale.ROOT);
    boolean keepAlive = HttpUtil.isKeepAlive(req);
    Matcher events = DashboardApi.EVENTS.matcher(path);
    if (method.equals("GET") && events.matches()) {
      stream(ctx, events.group(1), lastEventId(req.headers()));
      return;
    }
    Map<String, String> headers = new HashMap<>();
    req.headers().forEach(h -> headers.putIfAbsent(h.getKey().toLowerCase(Locale.ROOT), h.getValue()));
    DashboardRequest request = new DashboardRequest(method, path, headers, ByteBufUtil.getBytes(req.content()));
    try {
      work.execute(() -> write(ctx, api.handle(request), keepAlive, req.method().equals(HttpMethod.HEAD)));
    } catch (RejectedExecutionException busy) {
      write(ctx, DashboardResponse.error(503, "busy; try again"), false, false);
    }
  }

  private static long lastEventId(HttpHeaders headers) {
    try {
      return Long.parseLong(headers.get("Last-Event-ID", "0").trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private void write(ChannelHandlerContext ctx, DashboardResponse r, boolean keepAlive, boolean head) {
    FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.status()),
        head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(r.body()));
    secure(resp);
    resp.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
    resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.body().length);
    r.headers().forEach((k, v) -> resp.headers().add(k, v));
    HttpUtil.setKeepAlive(resp, keepAlive);
    var future = ctx.writeAndFlush(resp);
    if (!keepAlive) {
      future.addListener(ChannelFutureListener.CLOSE);
    }
  }

  private static void secure(HttpResponse resp) {
    resp.headers().set("Content-Security-Policy", CSP);
    resp.headers().set("X-Content-Type-Options", "nosniff");
    resp.headers().set("X-Frame-Options", "DENY");
    resp.headers().set("Referrer-Policy", "no-referrer");
    resp.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
  }

  private void stream(ChannelHandlerContext ctx, String id, long lastEventId) {
    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    secure(head);
    head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
    head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    EventStreams.Sink sink = new EventStreams.Sink() {
      @Override
      public boolean writable() {
        return ctx.channel().isWritable();
      }

      @Override
      public void send(String frame) {
        var unused = ctx.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(frame, StandardCharsets.UTF_8)));
      }

      @Override
      public void close() {
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
      }

      @Override
      public void onWritable(Runnable r) {
        onWritable.add(r);
      }

      @Override
      public void onClosed(Runnable r) {
        onClosed.add(r);
        if (!ctx.channel().isActive()) {
          r.run();
        }
      }
    };
    if (ctx.pipeline().get(ReadTimeoutHandler.class) != null) {
      // A stream's client sends nothing after its request; the stream's own idle rule ends it.
      ctx.pipeline().remove(ReadTimeoutHandler.class);
    }
    var unused = ctx.write(head);
    try {
      work.execute(() -> {
        if (!streams.start(id, lastEventId, sink)) {
          sink.send(EventStreams.frame("busy", null, "{\"reason\":\"too many event streams; the page polls instead\"}"));
          sink.close();
        }
      });
    } catch (RejectedExecutionException busy) {
      sink.close();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
    if (ctx.channel().isWritable()) {
      onWritable.forEach(Runnable::run);
    }
    super.channelWritabilityChanged(ctx);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    onClosed.forEach(Runnable::run);
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("dashboard connection closed: {}", cause.toString());
    var unused = ctx.close();
  }
}
