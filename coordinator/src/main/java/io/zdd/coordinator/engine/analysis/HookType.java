package io.zdd.coordinator.engine.analysis;

import io.zdd.common.error.InvalidInputException;
import java.util.Arrays;

/** When a webhook is called, and what its answer means. */
public enum HookType {
  /** Before anything changes; a non-2xx answer refuses the deployment. */
  PRE_ROLLOUT("pre-rollout"),
  /** In every measurement of a traffic step's analysis, as a check: a non-2xx answer fails it. */
  STEP("step"),
  /** Before green takes all traffic; the switch waits until the hook answers 2xx. */
  CONFIRM_PROMOTION("confirm-promotion"),
  /** After a deployment succeeded; the answer is recorded only. */
  POST_ROLLOUT("post-rollout"),
  /** When a rollback starts; the answer is recorded only. */
  ROLLBACK("rollback");

  private final String key;

  HookType(String key) {
    this.key = key;
  }

  public String key() {
    return key;
  }

  public static HookType of(String field, String key) {
    return Arrays.stream(values()).filter(t -> t.key.equals(key)).findFirst()
        .orElseThrow(() -> new InvalidInputException(field, "unknown webhook type '" + key + "'; one of "
            + Arrays.stream(values()).map(HookType::key).toList()));
  }
}
