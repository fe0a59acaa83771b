package io.zdd.common.testing;

import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension for in-process gRPC: {@link #start} registers services on a server with a
 * unique name and returns a channel to it. After each test every server and channel it made is
 * shut down, gracefully first and then forcibly, and the test fails if any does not terminate.
 *
 * <pre>
 * &#64;RegisterExtension final GrpcInProcessExtension grpc = new GrpcInProcessExtension();
 * ManagedChannel ch = grpc.start(new MyService());
 * </pre>
 */
public final class GrpcInProcessExtension implements AfterEachCallback {
  private final List<Server> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  /** Starts a server with the given services (direct executor) and returns a channel to it. */
  public ManagedChannel start(BindableService... services) {
    return start(List.of(), services);
  }

  /** As {@link #start(BindableService...)}, with server interceptors around every service. */
  public ManagedChannel start(List<ServerInterceptor> interceptors, BindableService... services) {
    String name = InProcessServerBuilder.generateName();
    InProcessServerBuilder builder = InProcessServerBuilder.forName(name).directExecutor();
    for (BindableService s : services) {
      builder.addService(ServerInterceptors.intercept(s, interceptors));
    }
    try {
      servers.add(builder.build().start());
    } catch (IOException e) {
      throw new IllegalStateException("in-process server failed to start", e);
    }
    return register(InProcessChannelBuilder.forName(name).directExecutor().build());
  }

  /** Hands a channel made elsewhere to the extension, so it is closed after the test. */
  public ManagedChannel register(ManagedChannel channel) {
    channels.add(channel);
    return channel;
  }

  /** Hands a server made elsewhere to the extension, so it is shut down after the test. */
  public Server register(Server server) {
    servers.add(server);
    return server;
  }

  /** Servers and channels still open; exposed so the extension itself can be tested. */
  public int openResources() {
    return (int) (servers.stream().filter(s -> !s.isTerminated()).count()
        + channels.stream().filter(c -> !c.isTerminated()).count());
  }

  @Override
  public void afterEach(ExtensionContext context) throws InterruptedException {
    shutdownAll();
  }

  /** Shuts everything down; public so a test of the extension can call it. */
  public void shutdownAll() throws InterruptedException {
    channels.forEach(ManagedChannel::shutdown);
    servers.forEach(Server::shutdown);
    List<String> stuck = new ArrayList<>();
    for (ManagedChannel c : channels) {
      if (!c.awaitTermination(5, TimeUnit.SECONDS)) {
        c.shutdownNow();
        stuck.add("channel " + c);
      }
    }
    for (Server s : servers) {
      if (!s.awaitTermination(5, TimeUnit.SECONDS)) {
        s.shutdownNow();
        stuck.add("server " + s);
      }
    }
    channels.clear();
    servers.clear();
    if (!stuck.isEmpty()) {
      throw new AssertionError("gRPC resources did not terminate gracefully: " + stuck);
    }
  }
}
