package io.zdd.coordinator.engine;

/**
 * zdd.py's scale-up rule: grow by about 50 % — next = floor(n + (n+1)/2) —
 * jumping straight to the goal once that reaches the old app's count; or, with
 * {@code --linear-increase k}, by k per step with no jump. Never above the goal.
 */
public final class GrowthPolicy {
  private GrowthPolicy() {}

  /**
   * @param current green's instances now
   * @param oldInstances blue's instances as read at the start of this step (before its kill)
   * @param goal what green grows to (the target, or the canary size)
   * @param linearIncrease {@code --linear-increase}; 0 for the 50 % rule
   */
  public static int next(int current, int oldInstances, int goal, int linearIncrease) {
    if (current >= goal) {
      return goal;
    }
    if (linearIncrease > 0) {
      return Math.min(goal, current + linearIncrease);
    }
    // Integer arithmetic equals Python's floor(n + (n + 1) / 2) for n >= 0.
    int next = current + (current + 1) / 2;
    if (next >= oldInstances) {
      return goal;
    }
    return Math.min(goal, Math.max(next, current + 1));
  }
}
