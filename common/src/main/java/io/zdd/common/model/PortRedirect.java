package io.zdd.common.model;

/** One iptables REDIRECT rule in one of the agent's nat chains, as read back. */
public record PortRedirect(int servicePort, int targetPort, String chain) {
  public PortRedirect {
    Validation.port("service_port", servicePort);
    Validation.port("target_port", targetPort);
  }
}
