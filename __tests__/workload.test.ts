import { readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";
import { DATABASE_CREDENTIALS_ACTIONS } from "../src/database/database";
import { TABLE_ACTIONS } from "../src/key-value-store/key-value-store";
import { QUEUE_ACTIONS } from "../src/messaging/queue";
import { TOPIC_ACTIONS } from "../src/messaging/topic";
import { parseConfig } from "../src/config/load";
import { environmentOf } from "./helpers";

/**
 * What is provisioned is used: the AWS calls in the workload's code (service/src), followed from
 * each entry point through its imports, are exactly the actions the platform grants the service
 * that runs that entry point. A grant nobody calls, or a call nobody granted, fails here before
 * it fails in an account.
 */
const SOURCE = join(__dirname, "..", "service", "src");
const PREFIX_OF_CLIENT: Record<string, string> = {
  "@aws-sdk/client-dynamodb": "dynamodb",
  "@aws-sdk/client-sqs": "sqs",
  "@aws-sdk/client-sns": "sns",
  "@aws-sdk/client-secrets-manager": "secretsmanager",
};

/** The IAM actions the files reachable from `entry` call: `new XCommand(` of a known client. */
function callsFrom(entry: string): Set<string> {
  const seen = new Set<string>();
  const calls = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    for (const [, spec] of text.matchAll(/from "(\.{1,2}\/[^"]+)\.js"/g)) {
      visit(normalize(join(dirname(file), `${spec}.ts`)));
    }
    for (const [, names, client] of text.matchAll(
      /import\s*\{([^}]*)\}\s*from\s*"(@aws-sdk\/[^"]+)"/g,
    )) {
      const prefix = PREFIX_OF_CLIENT[client!];
      if (!prefix) continue;
      for (const name of names!.split(",").map((n) => n.replace(/^\s*type\s+/, "").trim())) {
        const command = /^(\w+)Command$/.exec(name);
        if (command && new RegExp(`new ${name}\\(`).test(text))
          calls.add(`${prefix}:${command[1]}`);
      }
    }
  };
  visit(join(SOURCE, entry));
  return calls;
}

/** The actions a service's declared uses grant (the KMS use behind them is the services' own). */
function granted(uses: ReturnType<typeof environmentOf>["services"][string]["uses"]): Set<string> {
  return new Set([
    ...(uses.database ? DATABASE_CREDENTIALS_ACTIONS : []),
    ...Object.values(uses.tables).flatMap((access) => TABLE_ACTIONS[access]),
    ...Object.values(uses.queues).flatMap((access) => QUEUE_ACTIONS[access]),
    ...Object.values(uses.topics).flatMap((access) => TOPIC_ACTIONS[access]),
  ]);
}

/** The entry point a service runs: its command's script, else the image's CMD (the API). */
const entryOf = (command: readonly string[] | undefined) =>
  (command?.find((part) => part.startsWith("dist/")) ?? "dist/server.js")
    .replace(/^dist\//, "")
    .replace(/\.js$/, ".ts");

describe("the workload calls exactly what the platform grants each service", () => {
  const config = parseConfig();
  for (const env of Object.values(config.environments)) {
    for (const [name, service] of Object.entries(env.services)) {
      it(`${env.name}.${name} (${entryOf(service.command)}): every granted action is called, and nothing else`, () => {
        const calls = callsFrom(entryOf(service.command));
        expect([...calls].sort()).toEqual([...granted(service.uses)].sort());
      });
    }
  }
});
