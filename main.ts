// Configuration -> stacks -> synth. Everything else lives in src/.
import { runCli, synthesize } from "./src/app";

runCli(() => synthesize());
