package io.zdd.common.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Text from outside cannot forge a log line: the shipped pattern encodes control characters. */
class SafeMessageConverterTest {

  @Test
  void controlCharacters_areEncoded_printableTextIsKept() {
    assertThat(SafeMessageConverter.escape("app /web\n12:00:00.000 INFO  forged - ok\r\u001b[2J\u0000\u2028 ünïcødé"))
        .isEqualTo("app /web\\n12:00:00.000 INFO  forged - ok\\r\\u001b[2J\\u0000\\u2028 ünïcødé");
    assertThat(SafeMessageConverter.escape("plain")).isSameAs("plain");
  }

  @Test
  void theShippedPattern_writesOneLinePerEvent_whateverTheMessage() throws Exception {
    String config = new String(getClass().getResourceAsStream("/logback.xml").readAllBytes(), StandardCharsets.UTF_8);
    Matcher m = Pattern.compile("<pattern>(.*)</pattern>").matcher(config);
    assertThat(m.find()).isTrue();
    // The context slf4j configured from the shipped logback.xml (its conversion rules included).
    LoggerContext ctx = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
    ch.qos.logback.classic.PatternLayout layout = new ch.qos.logback.classic.PatternLayout();
    layout.setContext(ctx);
    layout.setPattern(m.group(1));
    layout.start();
    Logger log = ctx.getLogger("test");
    String written = layout.doLayout(new ch.qos.logback.classic.spi.LoggingEvent(Logger.class.getName(), log,
        ch.qos.logback.classic.Level.INFO, "refused group {}", null,
        new Object[] {"web\n12:00:00.000 INFO  i.z.a.AgentMain - all good"}));

    assertThat(written.lines()).hasSize(1);
    assertThat(written).contains("refused group web\\n12:00:00.000 INFO");
  }
}
