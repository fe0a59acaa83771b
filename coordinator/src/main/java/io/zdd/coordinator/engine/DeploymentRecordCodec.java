package io.zdd.coordinator.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zdd.common.error.InvalidInputException;
import io.zdd.common.model.GroupName;
import io.zdd.coordinator.engine.analysis.AnalysisState;
import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * JSON form of a {@link DeploymentRecord} (and its {@link DeploymentOptions}) for stores that keep
 * bytes, such as ZooKeeper. Field names are the record components' names; instants and durations
 * are ISO-8601 strings; absent values are left out. Written with {@code "schema": 1}; unknown
 * fields are ignored on read so a newer writer does not break an older reader.
 *
 * <p>The record's parts ({@link DrainState}, {@link TrafficState}, {@link RollbackState}) are
 * stored inline, under the flat field names the record had before it had parts
 * ({@code INLINE_PARTS}): records already in ZooKeeper read unchanged after an upgrade, and a
 * coordinator not upgraded yet (a standby that becomes leader during a rolling upgrade) still reads
 * every field an upgraded one wrote, instead of ignoring a nested object it does not know.
 */
public final class DeploymentRecordCodec {
  public static final int SCHEMA = 1;
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  /** For each part stored inline: its component's name → the stored field's name. */
  private static final Map<Class<?>, Map<String, String>> INLINE_PARTS = Map.of(
      DrainState.class, Map.of("taskIds", "drainingTaskIds", "startedAt", "drainStartedAt", "shutdownAt", "shutdownAt",
          "warned", "drainWarned"),
      TrafficState.class, Map.of("step", "step", "stepStartedAt", "stepStartedAt", "awaitingPromote", "awaitingPromote",
          "swapped", "swapped", "complete", "finalDrain"),
      RollbackState.class, Map.of("step", "rollbackStep", "reason", "rollbackReason"));

  private DeploymentRecordCodec() {}

  public static String toJson(DeploymentRecord record) {
    ObjectNode node = (ObjectNode) write(record);
    node.put("schema", SCHEMA);
    return node.toString();
  }

  public static DeploymentRecord fromJson(String json) {
    JsonNode node;
    try {
      node = AppJson.MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new InvalidInputException("deployment_record", "is not JSON: " + e.getOriginalMessage());
    }
    if (!(node instanceof ObjectNode) || node.path("schema").asInt(-1) != SCHEMA) {
      throw new InvalidInputException("deployment_record.schema", "expected schema " + SCHEMA);
    }
    return (DeploymentRecord) read(node, DeploymentRecord.class, "deployment_record");
  }

  private static JsonNode write(Object value) {
    // A record without analysis is stored as it was before records could have one.
    if (value == null || AnalysisState.NONE.equals(value)) {
      return null;
    }
    if (value instanceof GroupName g) {
      return F.textNode(g.value());
    }
    if (value instanceof Record r) {
      ObjectNode obj = F.objectNode();
      for (RecordComponent c : r.getClass().getRecordComponents()) {
        Object component = get(c, r);
        if (INLINE_PARTS.containsKey(c.getType())) {
          writeInline(obj, (Record) component);
          continue;
        }
        JsonNode v = write(component);
        if (v != null) {
          obj.set(c.getName(), v);
        }
      }
      return obj;
    }
    if (value instanceof Optional<?> o) {
      return o.map(DeploymentRecordCodec::write).orElse(null);
    }
    if (value instanceof List<?> list) {
      ArrayNode arr = F.arrayNode();
      list.forEach(e -> arr.add(write(e)));
      return arr;
    }
    if (value instanceof String s) {
      return F.textNode(s);
    }
    if (value instanceof Integer i) {
      return F.numberNode(i);
    }
    if (value instanceof Long l) {
      return F.numberNode(l);
    }
    if (value instanceof Boolean b) {
      return F.booleanNode(b);
    }
    if (value instanceof Enum<?> e) {
      return F.textNode(e.name());
    }
    if (value instanceof Instant || value instanceof Duration) {
      return F.textNode(value.toString());
    }
    throw new IllegalStateException("no JSON form for " + value.getClass());
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Object read(JsonNode node, Type type, String field) {
    Class<?> raw = type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
    if (raw == Optional.class) {
      Type inner = ((ParameterizedType) type).getActualTypeArguments()[0];
      return node == null || node.isNull() ? Optional.empty() : Optional.of(read(node, inner, field));
    }
    if (raw == List.class) {
      Type inner = ((ParameterizedType) type).getActualTypeArguments()[0];
      List<Object> out = new ArrayList<>();
      if (node != null) {
        for (int i = 0; i < node.size(); i++) {
          out.add(read(node.get(i), inner, field + "[" + i + "]"));
        }
      }
      return out;
    }
    if (raw == int.class) {
      return node == null ? 0 : node.asInt();
    }
    if (raw == long.class) {
      return node == null ? 0L : node.asLong();
    }
    if (raw == boolean.class) {
      return node != null && node.asBoolean();
    }
    if (node == null || node.isNull()) {
      return null;
    }
    try {
      if (raw == String.class) {
        return node.asText();
      }
      if (raw == Integer.class) {
        return node.asInt();
      }
      if (raw == Long.class) {
        return node.asLong();
      }
      if (raw == Boolean.class) {
        return node.asBoolean();
      }
      if (raw == Instant.class) {
        return Instant.parse(node.asText());
      }
      if (raw == Duration.class) {
        return Duration.parse(node.asText());
      }
      if (raw == GroupName.class) {
        return GroupName.of(node.asText());
      }
      if (raw.isEnum()) {
        return Enum.valueOf((Class<Enum>) raw, node.asText());
      }
    } catch (RuntimeException e) {
      throw new InvalidInputException(field, "unreadable value " + node + ": " + e.getMessage());
    }
    if (raw.isRecord()) {
      RecordComponent[] comps = raw.getRecordComponents();
      Object[] args = new Object[comps.length];
      Class<?>[] types = new Class<?>[comps.length];
      for (int i = 0; i < comps.length; i++) {
        args[i] = INLINE_PARTS.containsKey(comps[i].getType())
            ? readInline(node, comps[i].getType(), field)
            : read(node.get(comps[i].getName()), comps[i].getGenericType(), field + "." + comps[i].getName());
        types[i] = comps[i].getType();
      }
      return construct(raw, types, args);
    }
    throw new IllegalStateException("no JSON reader for " + raw);
  }

  /** A part's fields, written into the object of the record that holds it. */
  private static void writeInline(ObjectNode obj, Record part) {
    Map<String, String> names = INLINE_PARTS.get(part.getClass());
    for (RecordComponent c : part.getClass().getRecordComponents()) {
      JsonNode v = write(get(c, part));
      if (v != null) {
        obj.set(storedName(names, c), v);
      }
    }
  }

  /** A part, read from the fields of the object of the record that holds it. */
  private static Object readInline(JsonNode holder, Class<?> part, String field) {
    Map<String, String> names = INLINE_PARTS.get(part);
    RecordComponent[] comps = part.getRecordComponents();
    Object[] args = new Object[comps.length];
    Class<?>[] types = new Class<?>[comps.length];
    for (int i = 0; i < comps.length; i++) {
      String name = storedName(names, comps[i]);
      args[i] = read(holder.get(name), comps[i].getGenericType(), field + "." + name);
      types[i] = comps[i].getType();
    }
    return construct(part, types, args);
  }

  private static String storedName(Map<String, String> names, RecordComponent c) {
    String name = names.get(c.getName());
    if (name == null) {
      throw new IllegalStateException("no stored name for " + c.getDeclaringRecord().getSimpleName() + "." + c.getName());
    }
    return name;
  }

  private static Object construct(Class<?> raw, Class<?>[] types, Object[] args) {
    try {
      Constructor<?> ctor = raw.getDeclaredConstructor(types);
      return ctor.newInstance(args);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot build " + raw.getSimpleName(), e);
    }
  }

  private static Object get(RecordComponent c, Record r) {
    try {
      return c.getAccessor().invoke(r);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }
}
