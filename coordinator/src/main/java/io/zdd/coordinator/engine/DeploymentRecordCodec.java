package io.zdd.coordinator.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zdd.common.error.InvalidInputException;
import io.zdd.common.model.GroupName;
import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * JSON form of a {@link DeploymentRecord} (and its {@link DeploymentOptions}) for stores that keep
 * bytes, such as ZooKeeper. Field names are the record components' names; instants and durations
 * are ISO-8601 strings; absent values are left out. Written with {@code "schema": 1}; unknown
 * fields are ignored on read so a newer writer does not break an older reader.
 */
public final class DeploymentRecordCodec {
  public static final int SCHEMA = 1;
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

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
    if (value == null) {
      return null;
    }
    if (value instanceof GroupName g) {
      return F.textNode(g.value());
    }
    if (value instanceof Record r) {
      ObjectNode obj = F.objectNode();
      for (RecordComponent c : r.getClass().getRecordComponents()) {
        JsonNode v = write(get(c, r));
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
        args[i] = read(node.get(comps[i].getName()), comps[i].getGenericType(), field + "." + comps[i].getName());
        types[i] = comps[i].getType();
      }
      try {
        Constructor<?> ctor = raw.getDeclaredConstructor(types);
        return ctor.newInstance(args);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot build " + raw.getSimpleName(), e);
      }
    }
    throw new IllegalStateException("no JSON reader for " + raw);
  }

  private static Object get(RecordComponent c, Record r) {
    try {
      return c.getAccessor().invoke(r);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }
}
