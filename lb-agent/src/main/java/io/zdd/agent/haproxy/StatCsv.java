package io.zdd.agent.haproxy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses {@code show stat} CSV by header name. Every line starting with {@code # } is a header
 * and applies to the rows after it, so concatenated dumps (several processes, several versions)
 * parse too. Columns are never addressed by position: beyond the {@code -} marker HAProxy
 * guarantees nothing, and older versions have fewer columns.
 */
public final class StatCsv {
  private StatCsv() {}

  public static List<StatRow> parse(String text) {
    List<StatRow> rows = new ArrayList<>();
    String[] header = null;
    for (String line : text.split("\r?\n")) {
      if (line.isBlank()) {
        continue;
      }
      if (line.startsWith("#")) {
        header = line.substring(1).strip().split(",", -1);
        continue;
      }
      if (header == null) {
        // Not CSV at all: an error text. The caller checks for that before parsing.
        continue;
      }
      String[] cells = line.split(",", -1);
      Map<String, String> fields = new LinkedHashMap<>();
      for (int i = 0; i < header.length && i < cells.length; i++) {
        String name = header[i].strip();
        if (!name.isEmpty() && !name.equals("-")) {
          fields.put(name, cells[i]);
        }
      }
      rows.add(new StatRow(fields));
    }
    return rows;
  }
}
