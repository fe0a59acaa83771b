package io.zdd.agent.firewall;

import io.zdd.agent.exec.CommandRunner;
import io.zdd.agent.state.AtomicFiles;
import io.zdd.common.error.PreconditionException;
import io.zdd.common.error.UnavailableException;
import io.zdd.common.model.PortRedirect;
import io.zdd.common.model.Validation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The privileged step of port-swap mode: an iptables nat REDIRECT of each public service port to
 * the active colour's frontend port, in the agent's own chains {@code ZDD-PREROUTING} (traffic
 * from other hosts) and {@code ZDD-OUTPUT} (local clients).
 *
 * <p>The agent keeps the whole desired map (service port → target port). Every change flushes
 * and rewrites both chains from that map in one {@code iptables-restore --noflush} block, so it
 * is all-or-nothing, and existing connections keep their conntrack mapping: only new connections
 * move. The map is persisted in the data dir before the chains are rewritten (the intent) and
 * re-applied on start, so the rules survive an agent restart. Without CAP_NET_ADMIN every call is refused with a {@link
 * PreconditionException} and nothing else in the agent is affected.
 */
public final class PortSwapper {
  private static final Logger log = LoggerFactory.getLogger(PortSwapper.class);
  static final String STATE_FILE = "port-redirects";
  static final String NO_CAP_MESSAGE =
      "SwapPort needs CAP_NET_ADMIN: run the agent as root or with --cap-add NET_ADMIN";

  private final CommandRunner runner;
  private final IptablesCommands commands;
  private final Path stateFile;
  private final BooleanSupplier hasNetAdmin;
  private final SortedMap<Integer, Integer> desired = new TreeMap<>();
  /** Set when iptables itself said "permission denied" although CapEff looked fine. */
  private volatile boolean deniedByKernel;

  public PortSwapper(CommandRunner runner, IptablesCommands commands, Path dataDir, BooleanSupplier hasNetAdmin) {
    this.runner = runner;
    this.commands = commands;
    this.stateFile = dataDir.resolve(STATE_FILE);
    this.hasNetAdmin = hasNetAdmin;
  }

  /**
   * Loads the persisted map and makes the kernel match it (after an agent or host restart). With
   * no persisted map the rules already in the chains are adopted, so a later swap keeps them.
   * Without CAP_NET_ADMIN it only logs: the rest of the agent must still start.
   */
  public synchronized void start() {
    SortedMap<Integer, Integer> persisted = load();
    if (!available()) {
      desired.putAll(persisted);
      log.warn("{}; port swap disabled (weight modes still work)", NO_CAP_MESSAGE);
      return;
    }
    // No intent file at all: an agent that never swapped here adopts what its chains hold. An
    // intent file, even an empty one, is the truth the chains are made to match.
    if (persisted.isEmpty() && !Files.exists(stateFile)) {
      RedirectRules.Observed now;
      try {
        now = observe();
      } catch (PreconditionException e) {
        log.warn("{}; port swap disabled (weight modes still work)", e.getMessage());
        return;
      }
      now.redirects().stream()
          .filter(r -> r.chain().equals(RedirectRules.OUTPUT_CHAIN))
          .forEach(r -> desired.put(r.servicePort(), r.targetPort()));
      log.info("port swap: no persisted redirects; adopted {} from iptables", desired);
      return;
    }
    desired.putAll(persisted);
    try {
      boolean changed = applyIfDifferent();
      log.info("port swap: re-applied the persisted redirects {} (changed={})", desired, changed);
    } catch (PreconditionException e) {
      log.warn("{}; port swap disabled (weight modes still work)", e.getMessage());
    }
  }

  /** Whether this process may change nat rules (CAP_NET_ADMIN). */
  public boolean available() {
    return !deniedByKernel && hasNetAdmin.getAsBoolean();
  }

  /**
   * Redirects new connections on {@code servicePort} to {@code targetPort}. Idempotent: when the
   * rules already say so nothing is applied and {@code changed} is false.
   *
   * @throws io.zdd.common.error.InvalidInputException for a port out of range or equal ports
   * @throws PreconditionException without CAP_NET_ADMIN
   */
  public synchronized SwapResult swap(int servicePort, int targetPort) {
    Validation.port("service_port", servicePort);
    Validation.port("target_port", targetPort);
    if (servicePort == targetPort) {
      throw new io.zdd.common.error.InvalidInputException("target_port",
          "must differ from service_port " + servicePort);
    }
    requireCapability();
    Integer previous = desired.get(servicePort);
    boolean changed = change(servicePort, targetPort);
    List<PortRedirect> after = observe().redirects();
    log.info("port swap: service port {} -> {} (was {}, changed={})", servicePort, targetPort, previous, changed);
    return new SwapResult(after, changed);
  }

  /**
   * Removes the redirect of {@code servicePort}, if any (its group is gone). Idempotent.
   *
   * @return true when there was one
   * @throws PreconditionException without CAP_NET_ADMIN while a redirect is still desired
   */
  public synchronized boolean remove(int servicePort) {
    if (!desired.containsKey(servicePort)) {
      return false;
    }
    requireCapability();
    change(servicePort, null);
    log.info("port swap: removed the redirect of service port {}", servicePort);
    return true;
  }

  /**
   * Sets ({@code target} non-null) or drops one entry of the map: the new map is persisted as the
   * intent first, then the chains are rewritten; if the kernel refuses the batch it still holds
   * the previous rules, and the previous map is put back in memory and on disk.
   */
  private boolean change(int servicePort, Integer target) {
    Integer previous = target == null ? desired.remove(servicePort) : desired.put(servicePort, target);
    try {
      persist();
      return applyIfDifferent();
    } catch (RuntimeException e) {
      if (previous == null) {
        desired.remove(servicePort);
      } else {
        desired.put(servicePort, previous);
      }
      try {
        persist();
      } catch (RuntimeException again) {
        e.addSuppressed(again);
      }
      throw e;
    }
  }

  /** Every rule in the agent's chains, read back from {@code iptables-save}. */
  public synchronized List<PortRedirect> redirects() {
    requireCapability();
    return observe().redirects();
  }

  /** The desired map (service port → target port) as persisted. */
  public synchronized Map<Integer, Integer> desired() {
    return Map.copyOf(desired);
  }

  private boolean applyIfDifferent() {
    RedirectRules.Observed now = observe();
    if (now.matches(desired)) {
      return false;
    }
    if (!now.unrecognised().isEmpty()) {
      log.warn("port swap: replacing rules zdd did not write in its chains: {}", now.unrecognised());
    }
    String batch = RedirectRules.batch(desired, !now.preroutingJump(), !now.outputJump());
    CommandRunner.Result r = runner.run(commands.restore(), batch.getBytes(StandardCharsets.UTF_8), commands.timeout());
    if (!r.ok()) {
      failOnPermission(r);
      throw new UnavailableException("iptables-restore refused the redirect rules (exit " + r.exitCode() + "): "
          + r.message());
    }
    return true;
  }

  private RedirectRules.Observed observe() {
    CommandRunner.Result r = runner.run(commands.saveNat(), commands.timeout());
    if (!r.ok()) {
      failOnPermission(r);
      throw new UnavailableException("iptables-save failed (exit " + r.exitCode() + "): " + r.message());
    }
    return RedirectRules.parse(r.stdout());
  }

  /** @throws PreconditionException without CAP_NET_ADMIN (checked before anything else of a swap) */
  public void requireCapability() {
    if (!available()) {
      throw new PreconditionException(NO_CAP_MESSAGE);
    }
  }

  private void failOnPermission(CommandRunner.Result r) {
    String msg = r.message().toLowerCase(Locale.ROOT);
    if (msg.contains("permission denied") || msg.contains("you must be root") || msg.contains("operation not permitted")) {
      deniedByKernel = true;
      throw new PreconditionException(NO_CAP_MESSAGE + " (" + r.message() + ")");
    }
  }

  private void persist() {
    StringBuilder b = new StringBuilder("# zdd port redirects: <service port> <target port>\n");
    desired.forEach((s, t) -> b.append(s).append(' ').append(t).append('\n'));
    AtomicFiles.write(stateFile, b.toString());
  }

  private SortedMap<Integer, Integer> load() {
    SortedMap<Integer, Integer> map = new TreeMap<>();
    AtomicFiles.read(stateFile).ifPresent(text -> {
      for (String line : text.split("\n")) {
        String l = line.strip();
        if (l.isEmpty() || l.startsWith("#")) {
          continue;
        }
        String[] parts = l.split("\\s+");
        try {
          if (parts.length != 2) {
            throw new NumberFormatException("two ports expected");
          }
          map.put(Validation.port("service_port", Integer.parseInt(parts[0])),
              Validation.port("target_port", Integer.parseInt(parts[1])));
        } catch (RuntimeException e) {
          throw new IllegalStateException("corrupt " + stateFile + " line '" + l + "': " + e.getMessage(), e);
        }
      }
    });
    return map;
  }
}
