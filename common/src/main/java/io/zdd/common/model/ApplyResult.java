package io.zdd.common.model;

/** What an agent did for one ApplyBackends: the read-back and how it got there. */
public record ApplyResult(ObservedBackend observed, boolean reloaded, int runtimeCommands) {}
