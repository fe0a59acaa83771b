package io.zdd.common.model;

/**
 * One HAProxy worker process.
 *
 * @param current true for the newest worker; false for old ones still draining after a reload
 * @param reloads reloads it has survived
 * @param connections client-side connections it holds
 */
public record HaproxyWorker(int pid, boolean current, int reloads, long connections) {}
