/**
 * cdktf 0.21.0, its last release, calls `util.isArray` when it synthesizes an output whose value
 * is an object (`TerraformOutput.isITerraformAddressable`). Node deprecated that function long ago
 * and, since Node 22, prints a DeprecationWarning (DEP0044) the first time it is called: a line
 * that looks like a problem on every synth, test run and script. `util.isArray` is
 * `Array.isArray` under another name; this gives cdktf the latter under the old name, before any
 * stack is built (platform-stack.ts imports this module). Remove it with the move to cdktn.
 */
import util from "node:util";

(util as { isArray: (value: unknown) => boolean }).isArray = Array.isArray;
