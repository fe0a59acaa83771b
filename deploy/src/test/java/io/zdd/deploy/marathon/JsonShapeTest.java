package io.zdd.deploy.marathon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class JsonShapeTest {
  private static JsonNode json(String text) throws Exception {
    return MarathonClient.JSON.readTree(text.replace('\'', '"'));
  }

  @Test
  void sameShapeWithOtherValuesAndExtraFieldsAgrees() throws Exception {
    JsonNode expected = json("{'id':'/a','instances':3,'mem':65,'tasks':[{'ports':[1]}],'cmd':null}");
    JsonNode actual = json("{'id':'/b','instances':0,'mem':64.5,'tasks':[{'ports':[2,3],'x':1}],'cmd':'sleep','y':{}}");

    assertThat(JsonShape.differences(expected, actual)).isEmpty();
  }

  @Test
  void missingFieldIsReportedWithItsPath() throws Exception {
    JsonNode expected = json("{'app':{'versionInfo':{'lastScalingAt':'t'}}}");
    JsonNode actual = json("{'app':{'versionInfo':{}}}");

    assertThat(JsonShape.differences(expected, actual)).containsExactly("$.app.versionInfo.lastScalingAt: missing (expected string)");
  }

  @Test
  void wrongTypeIsReported() throws Exception {
    assertThat(JsonShape.differences(json("{'ports':[10000]}"), json("{'ports':['10000']}")))
        .containsExactly("$.ports[0]: expected number but was string");
    assertThat(JsonShape.differences(json("{'labels':{}}"), json("{'labels':[]}")))
        .containsExactly("$.labels: expected object but was array");
  }

  @Test
  void everyActualElementMustHaveEveryFieldOfEveryExpectedElement() throws Exception {
    JsonNode expected = json("{'tasks':[{'id':'a'},{'id':'b','host':'h'}]}");
    JsonNode actual = json("{'tasks':[{'id':'x','host':'h'},{'id':'y'}]}");

    assertThat(JsonShape.differences(expected, actual)).containsExactly("$.tasks[1].host: missing (expected string)");
  }

  @Test
  void emptyActualArrayCannotStandInForElements() throws Exception {
    assertThat(JsonShape.differences(json("{'tasks':[{'id':'a'}]}"), json("{'tasks':[]}"))).hasSize(1);
  }
}
