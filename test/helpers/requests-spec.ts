/** A request spec for orchestrator tests: the child appends `<kind>` to a marker file, sleeps, then prints its kind and parameters as its result line. */
import type { ChildSpec, RequestKind, RequestParams } from '../../lib/jobs/index.js';

/** Builds the spec (`exitCode` != 0 makes the child fail after appending). */
export function markerSpec(marker: string, sleepMs: number, exitCode = 0): (kind: RequestKind, params: RequestParams) => ChildSpec {
  return (kind, params) => ({
    name: kind,
    command: process.execPath,
    args: ['-e', `require('fs').appendFileSync(${JSON.stringify(marker)}, ${JSON.stringify(`${kind}\n`)}); setTimeout(() => { console.log(JSON.stringify({ kind: ${JSON.stringify(kind)}, params: ${JSON.stringify(params)} })); process.exit(${exitCode}); }, ${sleepMs});`],
  });
}
