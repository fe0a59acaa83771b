package io.zdd.coordinator.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A record edited in ZooKeeper between leaders: the new leader refuses to resume it, says why in
 * a WARNING event, and calls nothing on Marathon or any LB. An untouched record resumes.
 */
class TamperedRecordTest {

  static Stream<Arguments> tamperings() {
    return Stream.of(
        Arguments.of("kill another app's task",
            (UnaryOperator<DeploymentRecord.Builder>) b -> b.killingTaskIds(List.of("billing.1234")), "killingTaskIds"),
        Arguments.of("claim another app's task was killed",
            (UnaryOperator<DeploymentRecord.Builder>) b -> b.killedTaskIds(List.of("billing.99")), "killedTaskIds"),
        Arguments.of("green app of another group",
            (UnaryOperator<DeploymentRecord.Builder>) b -> b.greenAppJson(Harness.appJson(3)
                .replace("\"HAPROXY_DEPLOYMENT_GROUP\": \"web\"", "\"HAPROXY_DEPLOYMENT_GROUP\": \"billing\"")),
            "belongs to group billing"),
        Arguments.of("green id that is not the posted app",
            (UnaryOperator<DeploymentRecord.Builder>) b -> b.greenAppId("/billing"), "greenAppId"),
        Arguments.of("an executable path as hook",
            (UnaryOperator<DeploymentRecord.Builder>) b -> b.options(Harness.options().build().toBuilder()
                .preKillHook("/tmp/x.sh").build()), "options.pre_kill_hook"),
        Arguments.of("an undeclared hook",
            (UnaryOperator<DeploymentRecord.Builder>) b -> b.options(Harness.options().build().toBuilder()
                .preKillHook("other").build()), "not declared"),
        Arguments.of("a request replayed below the applied ones",
            (UnaryOperator<DeploymentRecord.Builder>) b -> b.controls(new Controls(
                List.of(new ControlRequest(3, Control.PROMOTE, Instant.EPOCH)), 5)), "out of order"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tamperings")
  void aResumingLeader_refusesATamperedRecord_andDoesNothing(String what,
      UnaryOperator<DeploymentRecord.Builder> tamper, String named) throws Exception {
    Harness h = new Harness();
    h.seedBlue(3);
    Deployment d = h.start(Harness.appJson(3), Harness.options().build());
    h.runFor(d, Duration.ofSeconds(20));
    DeploymentRecord stored = h.store.load(Harness.GROUP).orElseThrow();
    assertThat(stored.running()).isTrue();
    h.store.save(tamper.apply(stored.toBuilder()).build());
    int writes = h.writes().size();
    int lbCalls = h.fleet.calls().size();

    h.epoch++;
    assertThat(h.engine().resume(Harness.GROUP)).as(what).isEmpty();

    assertThat(h.events(EventKind.WARNING)).last().satisfies(e ->
        assertThat(e.message()).startsWith("stored record refused").contains(named));
    assertThat(h.writes()).hasSize(writes);
    assertThat(h.fleet.calls()).hasSize(lbCalls);
  }

  @ParameterizedTest(name = "untouched")
  @MethodSource("untouched")
  void anUntouchedRecord_resumes(String unused) throws Exception {
    Harness h = new Harness();
    h.seedBlue(3);
    Deployment d = h.start(Harness.appJson(3), Harness.options().preKillHook("notify").build());
    h.runFor(d, Duration.ofSeconds(20));
    h.epoch++;
    assertThat(RecordIntegrity.problems(h.store.load(Harness.GROUP).orElseThrow(), Set.of("notify"))).isEmpty();
    assertThat(h.engine().resume(Harness.GROUP)).isPresent();
  }

  static Stream<String> untouched() {
    return Stream.of("as stored");
  }
}
