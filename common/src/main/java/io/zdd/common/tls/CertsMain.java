package io.zdd.common.tls;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code bin/zdd certs}: the cluster CA and the certificates of coordinators, agents and operators. */
@Command(name = "zdd certs", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Creates the cluster CA in --dir (ca.crt, ca.key) unless it is there already, then issues a certificate "
            + "and key for each named coordinator, agent and operator: <role>-<name>.crt and <role>-<name>.key, "
            + "identity spiffe://<trust-domain>/<role>/<name>. Issuing a name again replaces its files (a rotation; "
            + "running processes pick it up without a restart).",
        "Keys are EC P-256, PKCS#8 PEM, mode 0600. Keep ca.key off the hosts that run zdd."})
public final class CertsMain implements Callable<Integer> {
  @Option(names = "--dir", required = true, paramLabel = "DIR", description = "Directory of the CA and certificates.")
  Path dir;

  @Option(names = "--trust-domain", defaultValue = "zdd", description = "The cluster's trust domain. Default: ${DEFAULT-VALUE}.")
  String trustDomain;

  @Option(names = "--coordinator", paramLabel = "NAME", description = "Issue a coordinator certificate (repeatable).")
  List<String> coordinators = new ArrayList<>();

  @Option(names = "--agent", paramLabel = "AGENT_ID",
      description = "Issue an agent certificate; the name must be the agent's --agent-id (repeatable).")
  List<String> agents = new ArrayList<>();

  @Option(names = "--operator", paramLabel = "NAME", description = "Issue an operator (CLI) certificate (repeatable).")
  List<String> operators = new ArrayList<>();

  @Option(names = "--host", paramLabel = "NAME_OR_IP", description = "Extra DNS name or IP SAN on every certificate issued "
      + "now, for clients that check host names (repeatable).")
  List<String> hosts = new ArrayList<>();

  @Option(names = "--days", defaultValue = "365", description = "Validity of the issued certificates in days. Default: ${DEFAULT-VALUE}.")
  int days;

  @Option(names = "--ca-days", defaultValue = "3650", description = "Validity of a new CA in days. Default: ${DEFAULT-VALUE}.")
  int caDays;

  @Override
  public Integer call() throws Exception {
    if (days < 1 || caDays < 1) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--days and --ca-days must be at least 1");
    }
    ClusterCertificates certs;
    try {
      certs = ClusterCertificates.openOrCreate(dir, trustDomain, Duration.ofDays(caDays), Clock.systemUTC());
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--trust-domain: " + e.getMessage());
    }
    System.out.println("CA: " + dir.resolve("ca.crt"));
    issue(certs, SpiffeId.Role.COORDINATOR, coordinators);
    issue(certs, SpiffeId.Role.AGENT, agents);
    issue(certs, SpiffeId.Role.OPERATOR, operators);
    return 0;
  }

  private void issue(ClusterCertificates certs, SpiffeId.Role role, List<String> names) throws Exception {
    for (String name : names) {
      TlsConfig t;
      try {
        t = certs.issue(role, name, hosts, Duration.ofDays(days));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(new CommandLine(this), "--" + role.name().toLowerCase(Locale.ROOT) + " "
            + name + ": " + e.getMessage());
      }
      System.out.println(new SpiffeId(trustDomain, role, name) + ": " + t.certificate() + " " + t.key());
    }
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new CertsMain()).execute(args));
  }
}
