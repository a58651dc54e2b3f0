import { configField } from "./config-fields";
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
      const field = (attribute: string) =>
        configField(stack.name, task, attribute) ?? `${task.address} ${attribute}`;
      const cpu = Number(task.values.cpu);
      const memory = Number(task.values.memory);
      const valid = validMemoryFor(cpu);
      if (valid.length === 0) {
        findings.push({
          paths: [task.path],
          message: `${field("cpu")}: ${cpu} is not a Fargate size; allowed: 256, 512, 1024, 2048, 4096, 8192, 16384; fix: set one of those (${task.address})`,
        });
      } else if (!valid.includes(memory)) {
        findings.push({
          paths: [task.path],
          message: `${field("memory")}: ${memory} is not valid with cpu ${cpu}; allowed: ${describeMemoryValues(valid)}; fix: use one of those, or change ${field("cpu")} (${task.address})`,
        });
      } else if (memory < context.memoryHeadroomMiB) {
        findings.push({
          paths: [task.path],
          level: "warning",
          message:
            `${field("memory")}: ${memory} MiB is below the ${context.memoryHeadroomMiB} MiB headroom for the runtime ` +
            `(seed 000: 512 MiB was OOM-killed, exit 137); fix: raise ${field("memory")}, or lower ${stack.name}.guardrails.memoryHeadroomMiB if measured (${task.address})`,
        });
      }
    }
    return fromFindings(findings);
  },
};
