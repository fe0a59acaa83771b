package io.zdd.coordinator.engine;

/** How traffic moves from blue to green. */
public enum ShiftStrategy {
  /** zdd.py semantics: traffic follows the ratio of serving green to remaining blue instances. */
  INSTANCE_RATIO,
  /** Per-server weights give green the requested share at each step on every LB. */
  WEIGHT_STEPS,
  /** Each colour has its own frontend; the public port's REDIRECT is flipped on every LB. */
  PORT_SWAP
}
