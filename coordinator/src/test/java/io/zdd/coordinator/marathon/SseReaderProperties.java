package io.zdd.coordinator.marathon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Marathon's event stream as a broken or hostile peer could send it: framed, bounded, never more. */
class SseReaderProperties {
  private static final int MAX_LINE = MarathonClientConfig.DEFAULT_MAX_SSE_LINE;
  private static final int MAX_EVENT = 4 << 20;

  private static List<SseReader.Event> all(String text) throws IOException {
    SseReader r = new SseReader(new StringReader(text), MAX_LINE, MAX_EVENT);
    List<SseReader.Event> out = new ArrayList<>();
    Optional<SseReader.Event> e;
    while ((e = r.next()).isPresent()) {
      out.add(e.get());
    }
    return out;
  }

  @Provide
  static Arbitrary<String> streams() {
    Arbitrary<String> lines = Arbitraries.oneOf(
        Arbitraries.of("event: status_update_event", "event: health_status_changed_event", "data: {\"eventType\":\"x\"}",
            "data:{}", ": keep-alive", "", "data: [1,2", "event:", "data:", "retry: 10", "id: 7"),
        Arbitraries.strings().withChars("a-z:{}\" \u0000\u00e9\r").ofMaxLength(30));
    return lines.list().ofMaxSize(40).flatMap(ls -> Arbitraries.of("\n", "\r\n", "\r").map(sep -> String.join(sep, ls)));
  }

  @Property(seed = "20261204")
  void everyStream_isFramedIntoEventsWithData_orEndsCleanly(@ForAll("streams") String text) throws IOException {
    for (SseReader.Event e : all(text)) {
      assertThat(e.data()).isNotEmpty().doesNotContain("\r");
      assertThat(e.data().length()).isLessThanOrEqualTo(MAX_EVENT);
    }
  }

  @Example
  void eventsAreFramedAsTheSpecSays() throws IOException {
    assertThat(all("event: a\r\ndata: {\"x\":1}\r\ndata: 2\r\n\r\n: ping\n\ndata:3\n\n"))
        .containsExactly(new SseReader.Event("a", "{\"x\":1}\n2"), new SseReader.Event(null, "3"));
  }

  @Example
  void anOverlongLineOrEvent_endsTheStream() {
    assertThatThrownBy(() -> all("data: " + "x".repeat(MAX_LINE + 1) + "\n\n"))
        .isInstanceOf(IOException.class).hasMessageContaining("line longer than");
    String manyLines = ("data: " + "y".repeat(1000) + "\n").repeat(MAX_EVENT / 1000 + 10) + "\n";
    assertThatThrownBy(() -> all(manyLines)).isInstanceOf(IOException.class).hasMessageContaining("event longer than");
  }
}
