package io.zdd.coordinator.engine;

import io.zdd.common.model.Colour;

/** Share of new requests or connections a colour gets, as configured on every LB (0..100). */
public record TrafficShare(Colour colour, double percent) {}
