import { describeMemoryValues, validMemoryFor } from "../lib/fargate";
import { list } from "./model";
import { fromFindings, notApplicable, type Finding, type Rule } from "./rule";

/** PLAT-5: Fargate task sizes are valid pairs, with memory headroom for the runtime. */
export const fargateSizing: Rule = {
  id: "PLAT-5",
  name: "Fargate sizing",
  level: "error",
  message:
    "Task cpu/memory is a valid Fargate pair; memory below the configured headroom is a warning.",
  explanation:
    "An invalid pair fails only at apply. Seed 000 phase I: 512 MiB was too little for Node.js and its connection " +
    "pool; tasks were OOM-killed (exit 137) at start-up and the circuit breaker rolled every deploy back.",
  check(stack, context) {
    const tasks = stack
      .resources("aws_ecs_task_definition")
      .filter((t) => list(t.values.requires_compatibilities).includes("FARGATE"));
    if (tasks.length === 0) return notApplicable();
    const findings: Finding[] = [];
    for (const task of tasks) {
      const cpu = Number(task.values.cpu);
      const memory = Number(task.values.memory);
      const valid = validMemoryFor(cpu);
      if (valid.length === 0) {
        findings.push({
          paths: [task.path],
          message: `${task.address}: cpu ${cpu} is not a Fargate size`,
        });
      } else if (!valid.includes(memory)) {
        findings.push({
          paths: [task.path],
          message: `${task.address}: memory ${memory} MiB is not valid with cpu ${cpu}; use ${describeMemoryValues(valid)}`,
        });
      } else if (memory < context.memoryHeadroomMiB) {
        findings.push({
          paths: [task.path],
          level: "warning",
          message:
            `${task.address}: ${memory} MiB is below the ${context.memoryHeadroomMiB} MiB headroom for the runtime ` +
            `(seed 000: 512 MiB was OOM-killed, exit 137); raise service.memoryMiB`,
        });
      }
    }
    return fromFindings(findings);
  },
};
