package io.zdd.coordinator.engine.analysis;

import java.net.URI;
import java.time.Duration;

/** An operator's webhook, declared in the coordinator's analysis file (never by a deployer). */
public record Webhook(String name, HookType type, URI url, Duration timeout) {
  public String describe() {
    return name + ": " + type.key() + " webhook " + url.getScheme() + "://" + url.getHost()
        + (url.getPort() > 0 ? ":" + url.getPort() : "") + url.getPath() + " (timeout " + timeout.toMillis() + " ms)";
  }
}
