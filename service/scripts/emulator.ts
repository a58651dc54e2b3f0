/**
 * `tsx scripts/emulator.ts <env-file>`: starts moto (installed by scripts/install-moto.sh at the
 * repository root), creates the table, topic, queue and dead-letter queue the platform would,
 * writes the service's AWS variables to <env-file> (for `source`), and runs until SIGTERM.
 * ci.sh uses it for the zero-downtime proof, whose instances need the items table and topic.
 */
import { writeFileSync } from "node:fs";
import {
  createResources,
  CREDENTIALS,
  findMotoServer,
  INSTALL_COMMAND,
  REGION,
  startMoto,
} from "../test/support/moto.js";

const envFile = process.argv[2];
if (!envFile) throw new Error("usage: tsx scripts/emulator.ts <env-file>");
const motoServer = findMotoServer();
if (!motoServer) {
  console.error(
    `moto_server not found; install it with: ${INSTALL_COMMAND} (from the repository root)`,
  );
  process.exit(2);
}
const moto = await startMoto(motoServer);
const resources = await createResources(moto.url, "ci");
const env = {
  AWS_ENDPOINT_URL: moto.url,
  AWS_REGION: REGION,
  AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
  TABLE_ITEMS_NAME: resources.table,
  TOPIC_EVENTS_ARN: resources.topicArn,
  QUEUE_EVENTS_URL: resources.queueUrl,
};
writeFileSync(
  envFile,
  Object.entries(env)
    .map(([k, v]) => `export ${k}='${v}'\n`)
    .join(""),
);
const stop = () => void moto.stop().then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
