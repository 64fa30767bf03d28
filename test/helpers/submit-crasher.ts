/**
 * Child process for the submission crash tests: runs the submission protocol
 * on a DuckDB ledger file and a local submission log, killing itself with
 * SIGKILL at the step named in argv[4] ('after_intent', 'after_submit' or
 * 'none'). argv: <ledger.duckdb> <log.jsonl> <ISO now> <step>.
 */
import { Db } from '../../lib/db/index.js';
import { LocalSubmissionLog, runSubmissions, SubmissionLedger } from '../../lib/jobs/index.js';

const [ledgerPath, logPath, nowIso, step] = process.argv.slice(2) as [string, string, string, string];
const now = () => Date.parse(nowIso);
const db = await Db.open(ledgerPath);
const ledger = await SubmissionLedger.open(db);
const kill = (at: string) => () => {
  if (step === at) process.kill(process.pid, 'SIGKILL');
};
const r = await runSubmissions({
  ledger,
  submitter: new LocalSubmissionLog(logPath, now),
  candidates: [{ id: 'H007', payload: { expression: 'rank(close)' } }, { id: 'H003', payload: { expression: 'rank(volume)' } }],
  dailyLimit: 1,
  now,
  hooks: { afterIntent: kill('after_intent'), afterSubmit: kill('after_submit') },
});
db.close();
process.stdout.write(`${JSON.stringify(r)}\n`);
