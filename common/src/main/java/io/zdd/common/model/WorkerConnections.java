package io.zdd.common.model;

/** One HAProxy worker's connection total in a sample. */
public record WorkerConnections(int pid, boolean current, long connections) {}
