package io.zdd.common.model;

/** HAProxy administrative state of a server ({@code set server … state}). */
public enum AdminState {
  /** Takes load-balanced traffic by weight. */
  READY,
  /** Checked, but no new load-balanced traffic. */
  DRAIN,
  /** No traffic, no checks. */
  MAINT
}
