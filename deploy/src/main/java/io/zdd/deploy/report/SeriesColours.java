package io.zdd.deploy.report;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Colours of the report's series. Deployment colours look like their names (blue is blue, green
 * is green), servers take the shade of the colour in their name, and phases use one colour each
 * so the same phase looks the same in every deployment.
 */
final class SeriesColours {
  static final String BLUE = "#2f6fd6";
  static final String GREEN = "#2e9e4f";
  static final String FAILED = "#d93025";
  static final String REQUESTS = "#37474f";

  private static final String[] BLUES = {"#2f6fd6", "#6d9eeb", "#1c4587", "#9fc5f8", "#3d85c6", "#0b5394"};
  private static final String[] GREENS = {"#2e9e4f", "#74c476", "#1b6e35", "#a1d99b", "#41ab5d", "#006d2c"};
  private static final String[] OTHERS = {"#e69138", "#8e63ce", "#c2185b", "#00897b", "#795548", "#607d8b"};
  private static final Map<String, String> PHASES = Map.ofEntries(
      Map.entry("PREFLIGHT", "#b0bec5"),
      Map.entry("CREATE_GREEN", "#a5d6a7"),
      Map.entry("SCALE_GREEN", "#66bb6a"),
      Map.entry("SHIFT_TRAFFIC", "#ffb74d"),
      Map.entry("DRAIN_BLUE", "#9575cd"),
      Map.entry("KILL_BLUE", "#e57373"),
      Map.entry("KEEP_PREVIOUS", "#4db6ac"),
      Map.entry("FINISH", "#90a4ae"),
      Map.entry("ROLLBACK", "#ef5350"),
      Map.entry("DONE", "#cfd8dc"),
      // Outcomes and holds, as the demo marks them.
      Map.entry("SUCCEEDED", "#c8e6c9"),
      Map.entry("ROLLED_BACK", "#ef5350"),
      Map.entry("FAILED", "#b71c1c"),
      Map.entry("HOLD", "#ffe082"));

  private final Map<String, Integer> used = new HashMap<>();

  /** A deployment colour ("blue", "green", anything else from a palette). */
  String colour(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    if (n.equals("blue")) {
      return BLUE;
    }
    if (n.equals("green")) {
      return GREEN;
    }
    return next("other", OTHERS);
  }

  /** A server's line colour: a shade of blue or green when its name says so, else a palette colour. */
  String server(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    if (n.contains("blue")) {
      return next("blue", BLUES);
    }
    if (n.contains("green")) {
      return next("green", GREENS);
    }
    return next("other", OTHERS);
  }

  /** A leader change is drawn in the failure colour: it is the moment to look at. */
  static boolean isLeaderChange(String phase) {
    return phase.toLowerCase(Locale.ROOT).startsWith("new leader");
  }

  static String phase(String phase) {
    if (isLeaderChange(phase)) {
      return FAILED;
    }
    String p = phase.toUpperCase(Locale.ROOT);
    String c = PHASES.get(p);
    return c != null ? c : OTHERS[Math.floorMod(p.hashCode(), OTHERS.length)];
  }

  private String next(String family, String[] palette) {
    int i = used.merge(family, 1, Integer::sum) - 1;
    return palette[i % palette.length];
  }
}
