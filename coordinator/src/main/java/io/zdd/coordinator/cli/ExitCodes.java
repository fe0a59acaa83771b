package io.zdd.coordinator.cli;

import io.zdd.common.error.ConflictException;
import io.zdd.common.error.DeadlineExceededException;
import io.zdd.common.error.InvalidInputException;
import io.zdd.common.error.NotFoundException;
import io.zdd.common.error.NotLeaderException;
import io.zdd.common.error.PermissionDeniedException;
import io.zdd.common.error.PreconditionException;
import io.zdd.common.error.UnavailableException;

/** The CLI's documented exit codes (also printed by {@code zdd --help}). */
public final class ExitCodes {
  /** The deployment succeeded (or a canary is holding as asked), or the command did what it said. */
  public static final int OK = 0;
  /** Unexpected failure (a bug, or an error zdd has no better code for). */
  public static final int INTERNAL = 1;
  /** Bad command line or bad input (invalid JSON, missing labels): nothing was changed. */
  public static final int BAD_INPUT = 2;
  /** The deployment rolled back: traffic is on the previous version. */
  public static final int ROLLED_BACK = 3;
  /** The deployment stopped in a state that needs an operator (see its message). */
  public static final int FAILED = 4;
  /** The group already has a deployment running. */
  public static final int CONFLICT = 5;
  /** No such deployment. */
  public static final int NOT_FOUND = 6;
  /** No coordinator (or no leader) could be reached in time. */
  public static final int UNAVAILABLE = 7;
  /** The request does not fit the deployment's state (e.g. nothing to promote). */
  public static final int PRECONDITION = 8;
  /** The caller's certificate is missing, unknown, or its role does not allow this: nothing was changed. */
  public static final int PERMISSION_DENIED = 9;
  /** The operator answered no when asked to confirm (a terminal, without {@code --force}). */
  public static final int DECLINED = 10;
  /** {@code status --wait}: the deployment had not ended when {@code --timeout} ran out (it goes on). */
  public static final int TIMED_OUT = 11;

  public static final String HELP = "Exit codes:%n"
      + "  0  success (deployment succeeded, canary holding as asked, or the command did what it said)%n"
      + "  1  unexpected failure%n"
      + "  2  bad command line or input; nothing was changed%n"
      + "  3  the deployment rolled back (outcome ROLLED_BACK)%n"
      + "  4  the deployment failed and needs an operator (outcome FAILED)%n"
      + "  5  the group already has a deployment running%n"
      + "  6  no such deployment%n"
      + "  7  no coordinator or leader reachable%n"
      + "  8  the request does not fit the deployment's state%n"
      + "  9  not allowed: no or unknown certificate, or a role that does not cover this; nothing was changed%n"
      + "  10 declined at the confirmation prompt; nothing was changed%n"
      + "  11 status --wait: the deployment had not ended within --timeout (it goes on)";

  private ExitCodes() {}

  static int of(Throwable e) {
    if (e instanceof InvalidInputException) {
      return BAD_INPUT;
    } else if (e instanceof ConflictException) {
      return CONFLICT;
    } else if (e instanceof NotFoundException) {
      return NOT_FOUND;
    } else if (e instanceof NotLeaderException || e instanceof UnavailableException || e instanceof DeadlineExceededException) {
      return UNAVAILABLE;
    } else if (e instanceof PreconditionException) {
      return PRECONDITION;
    } else if (e instanceof PermissionDeniedException) {
      return PERMISSION_DENIED;
    }
    return INTERNAL;
  }
}
