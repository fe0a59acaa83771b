package io.zdd.agent.haproxy;

import io.zdd.common.model.GroupName;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits a rendered {@code zdd.cfg} into its per-group blocks (each starts with the renderer's
 * {@code # group <name> version <v>} marker line and runs to the next one). Only ever applied to
 * files the renderer wrote.
 */
final class ConfigBlocks {
  private static final Pattern MARKER = Pattern.compile("(?m)^# group ([A-Za-z0-9_.-]{1,64}) version \\d+$");

  private ConfigBlocks() {}

  static Map<GroupName, String> parse(String config) {
    Map<GroupName, String> blocks = new LinkedHashMap<>();
    List<Integer> starts = new ArrayList<>();
    List<GroupName> names = new ArrayList<>();
    Matcher m = MARKER.matcher(config);
    while (m.find()) {
      // A block owns the blank separator line the renderer puts before its marker.
      int at = m.start();
      starts.add(at >= 2 && config.charAt(at - 1) == '\n' && config.charAt(at - 2) == '\n' ? at - 1 : at);
      names.add(GroupName.of(m.group(1)));
    }
    for (int i = 0; i < starts.size(); i++) {
      int end = i + 1 < starts.size() ? starts.get(i + 1) : config.length();
      blocks.put(names.get(i), config.substring(starts.get(i), end));
    }
    return blocks;
  }
}
