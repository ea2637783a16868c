/**
 * Builds the CLI's program as `repvgg` does at every start, without running a command, and reports
 * the packages under node_modules that this loaded (by package name) to the parent.
 */
import { buildProgram } from '../../apps/cli/src/cli.program';

buildProgram();
const packages = new Set(
  Object.keys(require.cache).flatMap((file) => {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
    return m === null ? [] : [m[1]];
  }),
);
process.send?.([...packages].sort(), () => process.exit(0));
