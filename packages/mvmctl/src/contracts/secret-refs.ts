// The secret references that travel from launch.json to image.json and on to `up`: env var name ->
// which secret backs it and how it is mounted. Names and bindings only, never a value.
// Imports zod only: the runtime reads these from image.json without loading the IR validator, so
// auth_type is a plain string here (compile already checked it against the IR's enum).
import { z } from "zod";

export const SecretBinding = z.strictObject({
  name: z.string().min(1),
  mount: z.discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("env"), var: z.string() }),
    z.strictObject({ kind: z.literal("file"), path: z.string() }),
  ]),
  auth_type: z.string().min(1),
  allowed_hosts: z.array(z.string()),
});
export type SecretBinding = z.output<typeof SecretBinding>;

/** env var name -> its secret binding. */
export const SecretBindings = z.record(z.string(), SecretBinding);
export type SecretBindings = z.output<typeof SecretBindings>;
