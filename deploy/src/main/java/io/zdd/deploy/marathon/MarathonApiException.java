package io.zdd.deploy.marathon;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * An API error with Marathon's status code and body, e.g. 404 {@code {"message": "App '/x' does not
 * exist"}} or 422 {@code {"message": "Object is not valid", "details": [{"path", "errors"}]}}.
 */
public final class MarathonApiException extends RuntimeException {
  private final int status;
  private final transient ObjectNode body;

  MarathonApiException(int status, ObjectNode body) {
    super(body.path("message").asText());
    this.status = status;
    this.body = body;
  }

  public int status() {
    return status;
  }

  public ObjectNode body() {
    return body.deepCopy();
  }

  static MarathonApiException message(int status, String message) {
    ObjectNode body = MarathonJson.object();
    body.put("message", message);
    return new MarathonApiException(status, body);
  }

  static MarathonApiException appNotFound(String appId) {
    return message(404, "App '" + appId + "' does not exist");
  }

  static MarathonApiException locked(Collection<String> deploymentIds) {
    String first = deploymentIds.iterator().next();
    ObjectNode body = MarathonJson.object();
    body.put(
        "message",
        "App is locked by one or more deployments. Override with the option '?force=true'. View"
            + " details at '/v2/deployments/"
            + first
            + "'.");
    ArrayNode deployments = body.putArray("deployments");
    deploymentIds.forEach(id -> deployments.addObject().put("id", id));
    return new MarathonApiException(409, body);
  }

  /** 422 with one entry per JSON path, in the order they were found. */
  static MarathonApiException invalid(Map<String, List<String>> errorsByPath) {
    ObjectNode body = MarathonJson.object();
    body.put("message", "Object is not valid");
    ArrayNode details = body.putArray("details");
    errorsByPath.forEach(
        (path, errors) -> {
          ObjectNode detail = details.addObject();
          detail.put("path", path);
          ArrayNode list = detail.putArray("errors");
          errors.forEach(list::add);
        });
    return new MarathonApiException(422, body);
  }

  /** 400 for a body that is not JSON at all, as Marathon answers it. */
  static MarathonApiException malformedJson(String parserMessage) {
    ObjectNode body = MarathonJson.object();
    body.put("message", "Invalid JSON");
    ObjectNode detail = body.putArray("details").addObject();
    detail.put("path", "/");
    detail.putArray("errors").add(parserMessage);
    return new MarathonApiException(400, body);
  }
}
