import { z } from "zod";
import { integerBetween } from "../config/fields";

/** Settings of the synth-time guardrails (src/rules/). */
export const GuardrailsSchema = z.strictObject({
  /**
   * Task memory below this is a warning: Node.js with a connection pool was OOM-killed at 512 MiB
   * (seed 000).
   * @default 1024
   */
  memoryHeadroomMiB: integerBetween(
    128,
    122880,
    "set the memory the runtime needs, in MiB",
  ).default(1024),
  /**
   * Seconds a new task takes to pull its image and start listening, for the deploy-time estimate.
   * @default 60
   */
  taskStartSeconds: integerBetween(1, 900, "measure a task start and round up").default(60),
  /**
   * The longest a worst-case rolling deployment may take, in seconds.
   * @default 900
   */
  deployBudgetSeconds: integerBetween(
    60,
    7200,
    "set the longest acceptable deploy in seconds",
  ).default(900),
});
