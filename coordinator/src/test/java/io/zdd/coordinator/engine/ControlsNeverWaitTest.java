package io.zdd.coordinator.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zdd.common.error.UnavailableException;
import io.zdd.common.model.Epoch;
import io.zdd.common.testing.Timing;
import io.zdd.coordinator.engine.hook.ProcessPreKillHook;
import io.zdd.coordinator.engine.port.AppDefinition;
import io.zdd.coordinator.engine.port.AppStatus;
import io.zdd.coordinator.engine.port.MarathonPort;
import io.zdd.coordinator.engine.port.PendingOperationsProbe;
import io.zdd.coordinator.service.DeploymentSupervisor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Controls are answered while a tick is busy for a long time: a pre-kill hook (a real process)
 * that sleeps 60 s, or a Marathon call that takes its whole deadline. The answer carries the
 * request as pending; the request is persisted, so it survives a leader change and is applied by
 * the next tick before anything else. While Marathon keeps an app locked, no tick waits at all,
 * so an abort is answered with its effect.
 */
class ControlsNeverWaitTest {
  @TempDir
  Path dir;

  private static final Duration ANSWER_LIMIT = Duration.ofSeconds(1);

  /** The harness's clock runs 100 times faster than real time, so tasks start and drains end. */
  private final ScheduledExecutorService fastClock = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stopClock() {
    fastClock.shutdownNow();
  }

  private Harness harness() {
    Harness h = new Harness();
    var unused = fastClock.scheduleAtFixedRate(() -> h.clock.advance(Duration.ofSeconds(1)), 10, 10, TimeUnit.MILLISECONDS);
    return h;
  }

  @Test
  void abortIsAnsweredWithinASecond_whileThePreKillHookSleeps60s_andTheNextLeaderAppliesItBeforeAnyKill()
      throws Exception {
    Path started = dir.resolve("started");
    Path hook = dir.resolve("slow");
    // exec: the sleeping process is the hook process itself, whose pid the script records.
    Files.writeString(hook, "#!/bin/sh\necho $$ >> '" + started + "'\nexec sleep 60\n");
    Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwx------"));
    Harness h = harness();
    h.preKillHook = new ProcessPreKillHook(ProcessPreKillHook.parse(List.of("slow=" + hook)), Duration.ofMinutes(2));
    h.seedBlue(2);

    DeploymentSupervisor leader = new DeploymentSupervisor(Epoch.of(h.epoch), h.engine());
    DeploymentRecord rec;
    long pid;
    try {
      rec = leader.start(Harness.appJson(2), Harness.options().stepDelay(Duration.ofMillis(20)).preKillHook("slow").build());
      await().atMost(Timing.seconds(30)).until(() -> Files.exists(started) && !Files.readString(started).isBlank());
      pid = Long.parseLong(Files.readString(started).trim());
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).contains(true);

      long t0 = System.nanoTime();
      DeploymentRecord answer = leader.control(rec.id(), "", Deployment::abort);
      Duration took = Duration.ofNanos(System.nanoTime() - t0);

      assertThat(took).as("abort answered while the hook sleeps").isLessThan(ANSWER_LIMIT);
      assertThat(answer.phase()).isEqualTo(Phase.KILL_BLUE);
      assertThat(answer.controls().pending()).extracting(ControlRequest::control).containsExactly(Control.ABORT);
      assertThat(h.record().controls().pending()).as("persisted").hasSize(1);
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).as("the hook is still running").contains(true);
    } finally {
      leader.close();
    }
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("hook stopped with the leader")
        .isFalse();
    assertThat(h.record().phase()).as("a stopped hook decides nothing").isEqualTo(Phase.KILL_BLUE);

    h.epoch++;
    DeploymentSupervisor next = new DeploymentSupervisor(Epoch.of(h.epoch), h.engine());
    try {
      next.resumeAll(List.of(Harness.GROUP));
      await().atMost(Timing.seconds(30)).until(() -> h.record().phase() == Phase.ROLLBACK || !h.record().running());
    } finally {
      next.close();
    }
    assertThat(h.record().controls().pending()).isEmpty();
    assertThat(h.record().rollback().reason()).isEqualTo("aborted by operator");
    assertThat(Files.readAllLines(started)).as("the hook did not run again").hasSize(1);
    assertThat(h.writes()).as("nothing killed").noneMatch(w -> w.startsWith("KILL"));
    assertThat(h.allViolations()).isEmpty();
  }

  @Test
  void abortIsAnsweredWithItsEffect_whileMarathonKeepsTheAppLocked() throws Exception {
    Harness h = harness();
    h.seedBlue(2);
    h.marathon.failAlways("kill", new io.zdd.common.error.ConflictException(
        "App is locked by one or more deployments"), 100_000);
    DeploymentSupervisor leader = new DeploymentSupervisor(Epoch.of(h.epoch), h.engine());
    try {
      DeploymentRecord rec = leader.start(Harness.appJson(2), Harness.options().stepDelay(Duration.ofMillis(50)).build());
      await().atMost(Timing.seconds(30)).until(() -> h.events(EventKind.WARNING).stream()
          .anyMatch(e -> e.message().contains("locked")));

      long t0 = System.nanoTime();
      DeploymentRecord answer = leader.control(rec.id(), "", Deployment::abort);
      Duration took = Duration.ofNanos(System.nanoTime() - t0);

      // A locked app makes the tick wait for its next turn, never inside a call: the abort is
      // applied by the next tick, before the answer's wait is over. On the harness's fast clock
      // the rollback may even have finished by then; either way the answer shows the abort done.
      assertThat(took).isLessThan(ANSWER_LIMIT);
      assertThat(answer.controls().pending()).isEmpty();
      assertThat(answer.rollback()).isNotNull();
      assertThat(answer.rollback().reason()).isEqualTo("aborted by operator");
      if (answer.phase() == Phase.DONE) {
        assertThat(answer.outcome()).isEqualTo(Outcome.ROLLED_BACK);
      } else {
        assertThat(answer.phase()).isEqualTo(Phase.ROLLBACK);
      }
    } finally {
      leader.close();
    }
    assertThat(h.writes()).noneMatch(w -> w.startsWith("KILL"));
  }

  @Test
  void pauseAndAbortAreAnsweredWithinASecond_whileAMarathonCallTakesItsWholeDeadline() throws Exception {
    Harness h = harness();
    LockedMarathon locked = new LockedMarathon(h.marathon);
    h.seedBlue(2);
    EnginePorts base = h.ports();
    EnginePorts ports = new EnginePorts(locked, base.fleet(), base.store(), base.pendingProbe(), base.preKillHook(),
        base.events(), base.clock(), base.epoch());
    DeploymentSupervisor leader = new DeploymentSupervisor(Epoch.of(h.epoch), new DeploymentEngine(ports, () -> "d1"));
    try {
      DeploymentRecord rec = leader.start(Harness.appJson(2), Harness.options().stepDelay(Duration.ofMillis(20)).build());
      await().atMost(Timing.seconds(30)).until(locked::waiting);

      long t0 = System.nanoTime();
      DeploymentRecord paused = leader.control(rec.id(), "", Deployment::pause);
      DeploymentRecord aborted = leader.control(rec.id(), "", Deployment::abort);
      Duration took = Duration.ofNanos(System.nanoTime() - t0);

      assertThat(took).as("two controls answered while Marathon keeps the app locked").isLessThan(ANSWER_LIMIT.multipliedBy(2));
      assertThat(paused.controls().pending()).extracting(ControlRequest::control).containsExactly(Control.PAUSE);
      assertThat(aborted.controls().pending()).extracting(ControlRequest::control)
          .containsExactly(Control.PAUSE, Control.ABORT);

      locked.release();
      await().atMost(Timing.seconds(30)).until(() -> h.record().phase() == Phase.ROLLBACK || !h.record().running());
      assertThat(h.record().controls().pending()).isEmpty();
      assertThat(h.record().rollback().reason()).isEqualTo("aborted by operator");
      assertThat(h.events(EventKind.WARNING)).extracting(DeploymentEvent::message)
          .contains("paused by operator", "rolling back: aborted by operator");
    } finally {
      locked.release();
      leader.close();
    }
  }

  @Test
  void abortIsAnsweredWithinASecond_whileThePendingProbeTakesItsWholeDeadline() throws Exception {
    Harness h = harness();
    SlowProbe slow = new SlowProbe();
    h.seedBlue(2);
    EnginePorts base = h.ports();
    EnginePorts ports = new EnginePorts(base.marathon(), base.fleet(), base.store(), slow, base.preKillHook(),
        base.events(), base.clock(), base.epoch());
    DeploymentSupervisor leader = new DeploymentSupervisor(Epoch.of(h.epoch), new DeploymentEngine(ports, () -> "d1"));
    try {
      DeploymentRecord rec = leader.start(Harness.appJson(2),
          Harness.options().stepDelay(Duration.ofMillis(20)).pendingMetric("jobs_pending").build());
      await().atMost(Timing.seconds(30)).until(slow::waiting);

      long t0 = System.nanoTime();
      DeploymentRecord aborted = leader.control(rec.id(), "", Deployment::abort);
      Duration took = Duration.ofNanos(System.nanoTime() - t0);

      assertThat(took).as("abort answered while the probe reads a slow endpoint").isLessThan(ANSWER_LIMIT);
      assertThat(aborted.controls().pending()).extracting(ControlRequest::control).containsExactly(Control.ABORT);
      assertThat(h.record().controls().pending()).as("persisted").hasSize(1);

      slow.release();
      await().atMost(Timing.seconds(30)).until(() -> h.record().phase() == Phase.ROLLBACK || !h.record().running());
      assertThat(h.record().controls().pending()).isEmpty();
      assertThat(h.record().rollback().reason()).isEqualTo("aborted by operator");
    } finally {
      slow.release();
      leader.close();
    }
  }

  /**
   * A pending-operations probe that does not answer until {@link #release()}, as a task whose
   * metrics endpoint takes the probe's whole deadline; then it reads 0.
   */
  private static final class SlowProbe implements PendingOperationsProbe {
    private final CountDownLatch answered = new CountDownLatch(1);
    private volatile boolean waiting;

    boolean waiting() {
      return waiting;
    }

    void release() {
      answered.countDown();
    }

    @Override
    public OptionalDouble read(String metricName, String host, int port, String path) {
      waiting = true;
      try {
        answered.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return OptionalDouble.empty();
      }
      return OptionalDouble.of(0);
    }
  }

  /**
   * Marathon that does not answer a kill until {@link #release()}: a request that takes its
   * whole deadline (10 s by default) before it fails.
   */
  private static final class LockedMarathon implements MarathonPort {
    private final MarathonPort delegate;
    private final CountDownLatch unlocked = new CountDownLatch(1);
    private volatile boolean waiting;

    LockedMarathon(MarathonPort delegate) {
      this.delegate = delegate;
    }

    boolean waiting() {
      return waiting;
    }

    void release() {
      unlocked.countDown();
    }

    @Override
    public void killTasksAndScale(String appId, Collection<String> taskIds) {
      waiting = true;
      try {
        unlocked.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new UnavailableException("interrupted", e);
      }
      delegate.killTasksAndScale(appId, taskIds);
    }

    @Override
    public void scaleApp(String appId, int instances) {
      delegate.scaleApp(appId, instances);
    }

    @Override
    public List<AppStatus> listAppsInGroup(String group) {
      return delegate.listAppsInGroup(group);
    }

    @Override
    public AppStatus getApp(String appId) {
      return delegate.getApp(appId);
    }

    @Override
    public void createApp(AppDefinition app) {
      delegate.createApp(app);
    }

    @Override
    public void deleteApp(String appId) {
      delegate.deleteApp(appId);
    }
  }
}
