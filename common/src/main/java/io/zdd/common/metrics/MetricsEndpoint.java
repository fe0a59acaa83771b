package io.zdd.common.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code GET /metrics} (Prometheus text format) from a {@link PrometheusMeterRegistry},
 * plus any plain-text endpoints registered with {@link #route} (e.g. {@code /healthz}). A small
 * Netty HTTP server with one boss/worker thread: scrapes are rare and cheap.
 */
public final class MetricsEndpoint implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MetricsEndpoint.class);
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final PrometheusMeterRegistry registry;
  private final InetSocketAddress bindAddress;
  private final Map<String, Supplier<String>> routes = new ConcurrentHashMap<>();
  private volatile Supplier<ChannelHandler> others;
  private EventLoopGroup group;
  private Channel channel;

  public MetricsEndpoint(PrometheusMeterRegistry registry, InetSocketAddress bindAddress) {
    this.registry = registry;
    this.bindAddress = bindAddress;
    routes.put("/metrics", registry::scrape);
  }

  /** Adds a GET endpoint answering 200 with the supplier's text. */
  public MetricsEndpoint route(String path, Supplier<String> body) {
    routes.put(path, body);
    return this;
  }

  /**
   * Hands every request this endpoint has no route for to a handler made by {@code handlers}
   * (one per connection, placed after this endpoint's own), instead of answering 404: the
   * coordinator's dashboard is served this way on the same port. Call before {@link #start}.
   */
  public MetricsEndpoint otherwise(Supplier<ChannelHandler> handlers) {
    this.others = handlers;
    return this;
  }

  public synchronized void start() throws InterruptedException {
    if (channel != null) {
      return;
    }
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    ServerBootstrap b = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline()
                .addLast(new ReadTimeoutHandler(30))
                .addLast(new HttpServerCodec())
                .addLast(new HttpObjectAggregator(64 * 1024))
                .addLast(new Handler());
            Supplier<ChannelHandler> more = others;
            if (more != null) {
              ch.pipeline().addLast(more.get());
            }
          }
        });
    channel = b.bind(bindAddress).sync().channel();
    log.info("metrics endpoint listening on http://{}:{}/metrics",
        bindAddress.getHostString(), port());
  }

  /** The bound port (useful when constructed with port 0). */
  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  @Override
  public synchronized void close() {
    if (channel == null) {
      return;
    }
    channel.close().syncUninterruptibly();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    channel = null;
  }

  private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      String path = new QueryStringDecoder(req.uri()).path();
      Supplier<String> route = routes.get(path);
      if (route == null && others != null) {
        ctx.fireChannelRead(req.retain());
        return;
      }
      FullHttpResponse resp;
      if (!req.method().equals(HttpMethod.GET) && !req.method().equals(HttpMethod.HEAD)) {
        resp = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET\n");
      } else if (route == null) {
        resp = text(HttpResponseStatus.NOT_FOUND, "no such endpoint; try /metrics\n");
      } else {
        String body;
        HttpResponseStatus status = HttpResponseStatus.OK;
        try {
          body = route.get();
        } catch (io.zdd.common.error.UnavailableException e) {
          // A health route saying "not now": 503 with the reason, for a load balancer or Marathon.
          status = HttpResponseStatus.SERVICE_UNAVAILABLE;
          body = e.getMessage() + "\n";
        } catch (RuntimeException e) {
          log.warn("endpoint {} failed", path, e);
          status = HttpResponseStatus.INTERNAL_SERVER_ERROR;
          body = "endpoint failed\n";
        }
        resp = text(status, body);
      }
      boolean keepAlive = HttpUtil.isKeepAlive(req);
      HttpUtil.setKeepAlive(resp, keepAlive);
      var future = ctx.writeAndFlush(resp);
      if (!keepAlive) {
        future.addListener(ChannelFutureListener.CLOSE);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.debug("metrics connection closed: {}", cause.toString());
      var unused = ctx.close();
    }

    private FullHttpResponse text(HttpResponseStatus status, String body) {
      var resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
          Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
      resp.headers().set(HttpHeaderNames.CONTENT_TYPE, CONTENT_TYPE);
      resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, resp.content().readableBytes());
      return resp;
    }
  }
}
