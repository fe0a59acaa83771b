package io.zdd.common.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LifecycleGroupTest {
  private final List<String> log = new ArrayList<>();

  /** Starts a component that records its start and its stop (with the value it was given). */
  private String start(LifecycleGroup g, String name) throws Exception {
    return g.start(name, () -> {
      log.add("start " + name);
      return name + "-value";
    }, value -> log.add("stop " + value));
  }

  @Test
  void startReturnsWhatItBuilt_andStopReceivesIt() throws Exception {
    LifecycleGroup g = new LifecycleGroup("test");
    assertThat(start(g, "zk")).isEqualTo("zk-value");
    assertThat(g.startedNames()).containsExactly("zk");
    g.stop();
    assertThat(log).containsExactly("start zk", "stop zk-value");
  }

  @Test
  void startsInOrder_stopsInReverse_onceOnly() throws Exception {
    LifecycleGroup g = new LifecycleGroup("test");
    start(g, "zk");
    start(g, "grpc");
    start(g, "health");
    assertThat(g.startedNames()).containsExactly("zk", "grpc", "health");
    g.stop();
    g.stop();
    assertThat(log).containsExactly("start zk", "start grpc", "start health",
        "stop health-value", "stop grpc-value", "stop zk-value");
    assertThat(g.startedNames()).isEmpty();
  }

  @Test
  void failedStart_stopsWhatStarted_inReverse_andRethrows() throws Exception {
    LifecycleGroup g = new LifecycleGroup("test");
    start(g, "a");
    start(g, "b");
    assertThatThrownBy(() -> g.start("c", () -> {
      throw new IllegalStateException("c cannot start");
    }, value -> log.add("stop c"))).hasMessage("c cannot start");
    assertThat(log).containsExactly("start a", "start b", "stop b-value", "stop a-value");
    assertThat(g.startedNames()).isEmpty();
  }

  @Test
  void startReturningNothing_failsLikeAnyStart() throws Exception {
    LifecycleGroup g = new LifecycleGroup("test");
    start(g, "a");
    assertThatThrownBy(() -> g.start("b", () -> null, value -> log.add("stop b")))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("b started nothing");
    assertThat(log).containsExactly("start a", "stop a-value");
  }

  @Test
  void stoppedGroup_doesNotStartAgain() throws Exception {
    LifecycleGroup g = new LifecycleGroup("test");
    start(g, "a");
    g.close();
    assertThatThrownBy(() -> start(g, "b")).isInstanceOf(IllegalStateException.class);
    assertThat(log).containsExactly("start a", "stop a-value");
  }

  @Test
  void stopFailure_doesNotPreventOthersFromStopping() throws Exception {
    LifecycleGroup g = new LifecycleGroup("test");
    start(g, "a");
    g.start("bad", () -> "disk", value -> {
      throw new IOException(value + " gone");
    });
    start(g, "c");
    g.close();
    assertThat(log).containsExactly("start a", "start c", "stop c-value", "stop a-value");
  }
}
