package io.zdd.agent.firewall;

import io.zdd.common.model.PortRedirect;
import java.util.List;

/**
 * The outcome of one port swap.
 *
 * @param redirects every rule in the agent's chains afterwards, read back from iptables-save
 * @param changed false when the rules already matched (nothing was applied)
 */
public record SwapResult(List<PortRedirect> redirects, boolean changed) {
  public SwapResult {
    redirects = List.copyOf(redirects);
  }
}
