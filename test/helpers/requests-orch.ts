/**
 * An orchestrator in mode 'requests' (not once) over `<dir>/requests`, whose
 * requested jobs append their kind to `<dir>/marker` and then sleep
 * `<sleepMs>`: the crash test kills this process with SIGKILL mid-job.
 *
 *   tsx test/helpers/requests-orch.ts <dir> <sleepMs>
 */
import { join } from 'node:path';
import { Db } from '../../lib/db/index.js';
import { createJobLogger, JobStore, Orchestrator, type ChildSpec } from '../../lib/jobs/index.js';
import { markerSpec } from './requests-spec.js';

const dir = process.argv[2]!;
const sleepMs = Number(process.argv[3] ?? 0);
const db = await Db.open(':memory:');
const store = await JobStore.open(db);
const log = createJobLogger('orchestrator', { file: join(dir, 'orchestrator.log'), console: false });
const never: ChildSpec = { name: 'x', command: process.execPath, args: ['-e', 'process.exit(9)'] };
const orch = new Orchestrator({ mode: 'requests', requestsDir: join(dir, 'requests'), requestPollMs: 50 }, { generator: never, miner: never, submitter: never }, store, log, undefined, markerSpec(join(dir, 'marker'), sleepMs));
process.stdout.write('started\n');
await orch.run();
