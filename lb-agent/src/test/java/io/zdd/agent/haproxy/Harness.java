package io.zdd.agent.haproxy;

import io.zdd.agent.exec.CommandRunner;
import io.zdd.agent.exec.ProcessCommandRunner;
import io.zdd.common.concurrent.NamedThreadFactory;
import io.zdd.common.model.AdminState;
import io.zdd.common.model.BackendServer;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.Colour;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.HealthCheck;
import io.zdd.common.model.ProxyMode;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;

/** A real HAProxy started in a temp dir, with the agent's HAProxy side wired around it. */
final class Harness implements AutoCloseable {
  static final HealthCheck FAST_CHECK = new HealthCheck("", 200, 1, 2);

  final BaseConfig base;
  final HaproxyProcess haproxy;
  final HaproxyConfigApplier applier;
  final HaproxyBackendController controller;
  final HaproxyConnectionSampler sampler;
  final ScheduledExecutorService executor;
  final ReloadWatcher watcher;

  Harness(Path dir, ControllerSettings settings, Duration hardStopAfter) {
    this(dir, settings, hardStopAfter, HaproxyProcess::runtime);
  }

  /**
   * @param controllerRuntime the runtime client the controller (and so the reload watcher) uses,
   *     given the started HAProxy: its own, or one through a {@link SlowSocket}
   */
  Harness(Path dir, ControllerSettings settings, Duration hardStopAfter,
      Function<HaproxyProcess, HaproxyRuntimeClient> controllerRuntime) {
    this(dir, settings, hardStopAfter, controllerRuntime, new ProcessCommandRunner());
  }

  /** @param runner runs the applier's {@code haproxy -c} (a test may count or hold those runs) */
  Harness(Path dir, ControllerSettings settings, Duration hardStopAfter,
      Function<HaproxyProcess, HaproxyRuntimeClient> controllerRuntime, CommandRunner runner) {
    base = BaseConfig.defaults(dir).withHardStopAfter(hardStopAfter);
    haproxy = HaproxyProcess.start(HaproxyPaths.DEFAULT_BINARY, dir, base, Duration.ofSeconds(10));
    applier = new HaproxyConfigApplier(haproxy.paths(), runner, haproxy.masterCli(),
        haproxy.runtime(), Optional.of(base.serverStateFile()), Duration.ofSeconds(10), Duration.ofSeconds(10),
        haproxy::recentOutput);
    controller = new HaproxyBackendController(controllerRuntime.apply(haproxy), haproxy.masterCli(), applier,
        new HaproxyConfigRenderer("127.0.0.1", 3), settings, Clock.systemUTC());
    sampler = new HaproxyConnectionSampler(haproxy.runtime(), haproxy.masterCli());
    executor = Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory("reload-watcher"));
    watcher = new ReloadWatcher(haproxy.masterCli(), controller, sampler, executor, Duration.ofMillis(200));
  }

  Harness(Path dir) {
    this(dir, ControllerSettings.defaults(), Duration.ofSeconds(30));
  }

  static BackendServer server(String name, TestBackends.Backend b, int weight, AdminState state) {
    return new BackendServer(name, "127.0.0.1", b.port(), weight, state, Colour.BLUE, "task-" + name);
  }

  static BackendSet set(String group, long version, int port, ProxyMode mode, Optional<HealthCheck> hc,
      List<BackendServer> servers) {
    return new BackendSet(GroupName.of(group), version, port, mode, "roundrobin", hc, servers, List.of());
  }

  @Override
  public void close() {
    watcher.close();
    executor.shutdownNow();
    controller.close();
    haproxy.close();
  }
}
