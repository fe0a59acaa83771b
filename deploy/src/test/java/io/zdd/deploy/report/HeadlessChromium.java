package io.zdd.deploy.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs Debian's {@code /usr/bin/chromium} headless on a local file, offline (no network services,
 * no QUIC, no component updates), with its own profile directory. Console messages go to stderr
 * ({@code --enable-logging=stderr}), so a page error is visible there. Every process started with
 * the profile directory is gone when a call returns.
 */
final class HeadlessChromium {
  static final Path BINARY = Path.of("/usr/bin/chromium");
  private static final Duration DEADLINE = Duration.ofSeconds(45);

  record Run(int exit, String stdout, String stderr) {
    /** Console messages the page produced (errors, warnings, logs). */
    List<String> consoleLines() {
      return stderr.lines().filter(l -> l.contains(":CONSOLE")).toList();
    }
  }

  private final Path profile;

  HeadlessChromium(Path profile) {
    this.profile = profile;
  }

  Run dumpDom(Path page) throws IOException, InterruptedException {
    return run(List.of("--dump-dom", page.toUri().toString()));
  }

  Run screenshot(Path page, Path png, int width, int height) throws IOException, InterruptedException {
    return run(List.of("--window-size=" + width + "," + height, "--hide-scrollbars", "--screenshot=" + png,
        page.toUri().toString()));
  }

  private Run run(List<String> args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0"));
    command.addAll(args);
    Path out = Files.createTempFile(profile.getParent(), "chromium", ".out");
    Path err = Files.createTempFile(profile.getParent(), "chromium", ".err");
    Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    try {
      if (!p.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
        throw new AssertionError("chromium did not finish within " + DEADLINE + ": " + command);
      }
      return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(5, TimeUnit.SECONDS);
      killLeftovers();
    }
  }

  /** Chromium helpers (zygote, GPU, renderer) outlive a killed parent; they carry our profile path. */
  private void killLeftovers() {
    for (ProcessHandle h : leftovers()) {
      h.destroyForcibly();
      h.onExit().orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> h).join();
    }
  }

  /** Processes still running with this profile directory on their command line. */
  List<ProcessHandle> leftovers() {
    String marker = "--user-data-dir=" + profile;
    return ProcessHandle.allProcesses()
        .filter(h -> h.info().commandLine().map(c -> c.contains(marker)).orElse(false))
        .toList();
  }
}
