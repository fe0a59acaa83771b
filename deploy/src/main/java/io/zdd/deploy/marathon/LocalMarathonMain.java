package io.zdd.deploy.marathon;

import io.zdd.common.model.PortRange;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * Runs the local Marathon-compatible scheduler standalone ({@code zdd local marathon}). Prints
 * {@code Marathon API listening on http://HOST:PORT} on stdout once requests are served, and stops
 * every task it started on SIGTERM or SIGINT.
 */
@Command(
    name = "zdd local marathon",
    mixinStandardHelpOptions = true,
    description = "A Marathon-compatible scheduler that runs app instances as local processes.")
public final class LocalMarathonMain implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(LocalMarathonMain.class);

  @Option(names = "--port", defaultValue = "8080", description = "HTTP port of the API (0: any free port). Default: ${DEFAULT-VALUE}.")
  int port;

  @Option(names = "--host", defaultValue = "127.0.0.1",
      description = "Address the API binds and tasks report as their host. Default: ${DEFAULT-VALUE}.")
  String host;

  @Option(names = "--task-port-range", defaultValue = "31000-32000", converter = PortRangeConverter.class,
      description = "Host ports handed to tasks (PORT0..n). Default: ${DEFAULT-VALUE}.")
  PortRange taskPorts;

  @Option(names = "--service-port-range", defaultValue = "10000-20000", converter = PortRangeConverter.class,
      description = "Service ports assigned to apps that ask for port 0. Default: ${DEFAULT-VALUE}.")
  PortRange servicePorts;

  @Option(names = "--sandbox-dir",
      description = "Directory for the tasks' working directories and stdout/stderr. Default: a temporary directory, deleted on exit.")
  Path sandboxDir;

  public static void main(String[] args) {
    System.exit(new CommandLine(new LocalMarathonMain()).execute(args));
  }

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (port < 0 || port > 65535) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--port must be between 0 and 65535, got " + port);
    }
    LocalMarathonConfig config =
        new LocalMarathonConfig(host, taskPorts, servicePorts, sandboxDir, Clock.systemUTC(), Duration.ofMillis(250));
    LocalMarathon marathon = new LocalMarathon(config);
    MarathonHttpServer server;
    try {
      server = MarathonHttpServer.start(marathon, host, port);
    } catch (IOException e) {
      marathon.close();
      System.err.println("cannot listen on " + host + ":" + port + ": " + e.getMessage());
      return 1;
    }
    marathon.start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("shutting down: stopping every task");
      server.close();
      marathon.close();
      stopped.countDown();
    }, "marathon-shutdown"));
    System.out.println("Marathon API listening on " + server.url());
    System.out.flush();
    stopped.await();
    return 0;
  }

  /** picocli converter with a message that names the bad value. */
  static final class PortRangeConverter implements CommandLine.ITypeConverter<PortRange> {
    @Override
    public PortRange convert(String value) {
      try {
        return PortRange.parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
