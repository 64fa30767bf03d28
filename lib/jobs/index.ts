/**
 * Unattended jobs: supervised child processes (restart with backoff, periodic
 * restarts, PID and exit logged), croner schedules and orchestrator modes,
 * job state in DuckDB, submissions with a crash-safe daily limit, pino logs.
 * No domain imports: what each component runs is wired in bin/.
 */
export { Supervisor, restartBackoffMs, onParentGone } from './supervisor.js';
export type { ChildSpec, SupervisorPolicy, ChildExit, RunOutcome } from './supervisor.js';
export { JobStore } from './store.js';
export type { JobStateRow } from './store.js';
export { Orchestrator, resolveOrchestratorSettings } from './orchestrator.js';
export type { ScheduleMode, ComponentName, OrchestratorSettings, RequestSpecBuilder } from './orchestrator.js';
export { RateLimitedError, SubmissionRefusedError, LocalSubmissionLog, SubmissionLedger, runSubmissions, parseRetryAfter, utcDay } from './submit.js';
export type { SubmissionCandidate, SubmitReceipt, Submitter, SubmissionRunOptions, SubmissionRunResult } from './submit.js';
export { createJobLogger } from './log.js';
export type { JobLoggerOptions, Logger } from './log.js';
export * from './requests.js';
