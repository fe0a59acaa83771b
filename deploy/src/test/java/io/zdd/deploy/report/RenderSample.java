package io.zdd.deploy.report;

import java.nio.file.Path;

/** Writes the synthetic report to a file (for looking at it while working on the layout). */
final class RenderSample {
  private RenderSample() {}

  public static void main(String[] args) throws Exception {
    ReportWriter.write(SyntheticTimeline.demo(args.length > 1 ? Long.parseLong(args[1]) : 0), Path.of(args[0]));
  }
}
