package io.zdd.common.model;

import java.util.Locale;

/** Side of a blue/green pair, as in the HAPROXY_DEPLOYMENT_COLOUR label. */
public enum Colour {
  NONE,
  BLUE,
  GREEN;

  /** The colour of the next deployment: blue becomes green and green becomes blue. */
  public Colour other() {
    return switch (this) {
      case BLUE -> GREEN;
      case GREEN -> BLUE;
      case NONE -> BLUE;
    };
  }

  /** The label value zdd.py writes ("blue"/"green"). */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
