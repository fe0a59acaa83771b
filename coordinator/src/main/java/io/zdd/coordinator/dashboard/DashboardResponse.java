package io.zdd.coordinator.dashboard;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** One HTTP answer of the dashboard, without the transport's types. */
record DashboardResponse(int status, String contentType, byte[] body, Map<String, String> headers) {
  static final String JSON = "application/json; charset=utf-8";

  DashboardResponse {
    body = body.clone();
    headers = Map.copyOf(headers);
  }

  @Override
  public byte[] body() {
    return body.clone();
  }

  static DashboardResponse json(int status, Object node) {
    return new DashboardResponse(status, JSON, node.toString().getBytes(StandardCharsets.UTF_8), Map.of());
  }

  static DashboardResponse error(int status, String message) {
    ObjectNode n = JsonNodeFactory.instance.objectNode().put("error", message);
    return json(status, n);
  }

  DashboardResponse withHeader(String name, String value) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put(name, value);
    return new DashboardResponse(status, contentType, body, h);
  }
}
