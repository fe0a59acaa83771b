package io.zdd.coordinator.engine;

/**
 * How SHIFT_TRAFFIC moves traffic from blue to green: one implementation per
 * {@link ShiftStrategy}, each in its own file beside the pure rules it uses. A shift returns
 * early with a WAIT or HELD tick whenever the fleet or Marathon is not there yet; the next tick
 * continues from the saved record.
 */
interface TrafficShift {
  Tick shift();

  static TrafficShift of(ShiftStrategy strategy, Deployment d) {
    return switch (strategy) {
      case INSTANCE_RATIO -> new InstanceRatioShift(d);
      case WEIGHT_STEPS -> new WeightStepsShift(d);
      case PORT_SWAP -> new PortSwapShift(d);
    };
  }
}
