package io.zdd.coordinator.engine.analysis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zdd.common.config.Durations;
import io.zdd.common.error.InvalidInputException;
import io.zdd.coordinator.webhook.WebhookUrls;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The coordinator's analysis file ({@code --analysis-file}): named templates a deployment picks
 * by name, and the notification webhooks every phase change is posted to. JSON:
 *
 * <pre>{@code
 * {"templates": [{"name": "web", "interval": "10s", "count": 3, "failureLimit": 0, "inconclusiveLimit": 1,
 *                 "onFailure": "rollback",
 *                 "checks": [{"name": "green-5xx", "lb": {"metric": "5xx_ratio", "max": 0.01, "minRequests": 200}},
 *                            {"name": "latency", "lb": {"metric": "avg_response_ms", "maxFactorOfBlue": 1.5}},
 *                            {"name": "errors", "prometheus": {"query": "...{{app}}...", "max": 0.05}}],
 *                 "webhooks": [{"name": "qa", "type": "confirm-promotion", "url": "https://…", "timeout": "10s"}]}],
 *  "notifications": [{"url": "https://hooks.slack.com/services/…"}]}
 * }</pre>
 *
 * Every error names its field; a file with one is refused whole (the coordinator does not start).
 * Webhook URLs live only here, in the operators' file: a deployer names a template, never a URL.
 */
public record AnalysisFile(Map<String, AnalysisTemplate> templates, List<URI> notifications) {
  public static final int MAX_BYTES = 1 << 20;
  public static final int MAX_TEMPLATES = 200;
  public static final int MAX_CHECKS = 50;
  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
  public static final AnalysisFile EMPTY = new AnalysisFile(Map.of(), List.of());
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Set<String> TEMPLATE_FIELDS = Set.of("name", "interval", "count", "failureLimit", "inconclusiveLimit",
      "onFailure", "checks", "webhooks");

  public AnalysisFile {
    templates = Map.copyOf(templates);
    notifications = List.copyOf(notifications);
  }

  public Optional<AnalysisTemplate> template(String name) {
    return Optional.ofNullable(templates.get(name));
  }

  public static AnalysisFile parse(String json) {
    if (json.length() > MAX_BYTES) {
      throw new InvalidInputException("analysis_file", "is larger than " + MAX_BYTES + " bytes");
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new InvalidInputException("analysis_file", "is not JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new InvalidInputException("analysis_file", "must be a JSON object with \"templates\" and \"notifications\"");
    }
    unknownFields(root, Set.of("templates", "notifications"), "analysis_file");
    Map<String, AnalysisTemplate> templates = new LinkedHashMap<>();
    JsonNode list = root.path("templates");
    if (!list.isMissingNode() && !list.isArray()) {
      throw new InvalidInputException("templates", "must be a list");
    }
    if (list.size() > MAX_TEMPLATES) {
      throw new InvalidInputException("templates", "at most " + MAX_TEMPLATES + " templates");
    }
    for (JsonNode t : list) {
      AnalysisTemplate parsed = template(t);
      if (templates.put(parsed.name(), parsed) != null) {
        throw new InvalidInputException("templates." + parsed.name(), "is defined twice");
      }
    }
    List<URI> notify = new ArrayList<>();
    JsonNode n = root.path("notifications");
    if (!n.isMissingNode() && !n.isArray()) {
      throw new InvalidInputException("notifications", "must be a list");
    }
    int i = 0;
    for (JsonNode one : n) {
      String f = "notifications[" + i++ + "]";
      unknownFields(one, Set.of("url"), f);
      notify.add(WebhookUrls.check(f + ".url", text(one, "url", f)));
    }
    return new AnalysisFile(templates, notify);
  }

  private static AnalysisTemplate template(JsonNode t) {
    if (!t.isObject()) {
      throw new InvalidInputException("templates", "each template must be an object");
    }
    String name = name(t, "templates");
    String f = "templates." + name;
    unknownFields(t, TEMPLATE_FIELDS, f);
    Duration interval = t.has("interval") ? Durations.parse(f + ".interval", t.get("interval").asText()) : Duration.ofSeconds(10);
    int count = integer(t, "count", 3, f);
    int failureLimit = integer(t, "failureLimit", 0, f);
    int inconclusiveLimit = integer(t, "inconclusiveLimit", 1, f);
    OnFailure onFailure = switch (t.path("onFailure").asText("rollback")) {
      case "rollback" -> OnFailure.ROLLBACK;
      case "pause" -> OnFailure.PAUSE;
      default -> throw new InvalidInputException(f + ".onFailure", "must be rollback or pause");
    };
    List<LbCheck> lb = new ArrayList<>();
    List<PromCheck> prom = new ArrayList<>();
    Set<String> names = new HashSet<>();
    JsonNode checks = t.path("checks");
    if (checks.size() > MAX_CHECKS) {
      throw new InvalidInputException(f + ".checks", "at most " + MAX_CHECKS + " checks");
    }
    for (JsonNode c : checks) {
      String cn = name(c, f + ".checks");
      String cf = f + ".checks." + cn;
      if (!names.add(cn)) {
        throw new InvalidInputException(cf, "is defined twice");
      }
      unknownFields(c, Set.of("name", "lb", "prometheus"), cf);
      if (c.has("lb") == c.has("prometheus")) {
        throw new InvalidInputException(cf, "needs exactly one of \"lb\" or \"prometheus\"");
      }
      if (c.has("lb")) {
        JsonNode l = c.get("lb");
        unknownFields(l, Set.of("metric", "max", "min", "maxOverBlue", "maxFactorOfBlue", "minRequests"), cf + ".lb");
        lb.add(new LbCheck(cn, LbMetric.of(cf + ".lb.metric", text(l, "metric", cf + ".lb")), number(l, "max", cf),
            number(l, "min", cf), number(l, "maxOverBlue", cf), number(l, "maxFactorOfBlue", cf),
            integer(l, "minRequests", 0, cf + ".lb")));
      } else {
        JsonNode p = c.get("prometheus");
        unknownFields(p, Set.of("query", "max", "min"), cf + ".prometheus");
        prom.add(new PromCheck(cn, PromQlTemplate.parse(cf + ".prometheus.query", text(p, "query", cf + ".prometheus")),
            number(p, "max", cf), number(p, "min", cf)));
      }
    }
    List<Webhook> hooks = new ArrayList<>();
    for (JsonNode h : t.path("webhooks")) {
      String hn = name(h, f + ".webhooks");
      String hf = f + ".webhooks." + hn;
      if (!names.add(hn)) {
        throw new InvalidInputException(hf, "is defined twice (names are shared with checks)");
      }
      unknownFields(h, Set.of("name", "type", "url", "timeout"), hf);
      Duration timeout = h.has("timeout") ? Durations.parse(hf + ".timeout", h.get("timeout").asText()) : Duration.ofSeconds(10);
      if (timeout.isZero() || timeout.compareTo(Duration.ofMinutes(1)) > 0) {
        throw new InvalidInputException(hf + ".timeout", "must be more than 0 and at most 1m");
      }
      hooks.add(new Webhook(hn, HookType.of(hf + ".type", text(h, "type", hf)), WebhookUrls.check(hf + ".url", text(h, "url", hf)),
          timeout));
    }
    return new AnalysisTemplate(name, interval, count, failureLimit, inconclusiveLimit, onFailure, lb, prom, hooks);
  }

  static String name(JsonNode node, String field) {
    String name = text(node, "name", field);
    if (!NAME.matcher(name).matches()) {
      throw new InvalidInputException(field + ".name", "must match " + NAME.pattern() + ", got '" + name + "'");
    }
    return name;
  }

  private static String text(JsonNode node, String key, String field) {
    JsonNode v = node.get(key);
    if (v == null || !v.isTextual() || v.asText().isBlank()) {
      throw new InvalidInputException(field + "." + key, "is required (a string)");
    }
    return v.asText();
  }

  private static int integer(JsonNode node, String key, int dflt, String field) {
    JsonNode v = node.get(key);
    if (v == null) {
      return dflt;
    }
    if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 0) {
      throw new InvalidInputException(field + "." + key, "must be a whole number ≥ 0");
    }
    return v.asInt();
  }

  private static double number(JsonNode node, String key, String field) {
    JsonNode v = node.get(key);
    if (v == null) {
      return Double.NaN;
    }
    if (!v.isNumber() || !Double.isFinite(v.asDouble())) {
      throw new InvalidInputException(field + "." + key, "must be a finite number");
    }
    return v.asDouble();
  }

  private static void unknownFields(JsonNode node, Set<String> known, String field) {
    if (!node.isObject()) {
      throw new InvalidInputException(field, "must be an object");
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext();) {
      String k = it.next();
      if (!known.contains(k)) {
        throw new InvalidInputException(field + "." + k, "is not a known field (known: " + known + ")");
      }
    }
  }
}
