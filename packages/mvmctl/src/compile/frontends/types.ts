// What every declaration frontend (python, typescript) returns to the compile stage. A frontend
// reads source text and never executes it.
import type { Diagnostic, Locator } from "@mvm/ir";

export interface FrontendResult {
  /** The IR-shaped JSON value extracted from the declaration (before validation and defaults). */
  value?: unknown;
  /** Every problem found in the file (E_SYNTAX, E_NON_LITERAL, ...), each with a location. */
  diagnostics: Diagnostic[];
  /** Maps an IR path to the source position of the value it came from (for validation errors). */
  locate?: Locator;
  /** What the file contains, so compile can decide on record mode: true when it calls mvm.app. */
  hasDeclaration: boolean;
  /** True when the file calls Sandbox.create (record-mode candidate when there is no declaration). */
  hasSandboxCreate: boolean;
}

export type FrontendLanguage = "python" | "node";
