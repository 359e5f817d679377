/** A catalogue row: the stable meaning of one error code. Codes are never reused or renamed. */
export interface CodeRow {
  /** One line saying what went wrong, in general terms. */
  summary: string;
  /** The next action for the user. */
  hint: string;
  /** Process exit code when this error ends a command (see docs/cli/exit-codes.md). */
  exit: number;
  /** Warnings are reported but do not fail a command. */
  severity?: "error" | "warning";
}
