/**
 * Study storage: the interface {@link StudyStorage} and the in-process
 * {@link InMemoryStudyStorage} (the default). The DuckDB one is in
 * `duckdb-storage.ts`.
 */
import type { FrozenTrial, StudyDirection } from './types.js';
import { cloneTrial } from './types.js';

/** A study as read back from storage. */
export interface StoredStudy {
  readonly name: string;
  readonly direction: StudyDirection;
  /** epoch ms (UTC) */
  readonly createdAt: number;
  /** all trials, in number order */
  readonly trials: FrozenTrial[];
}

/** One line of {@link StudyStorage.listStudies}. */
export interface StudySummary {
  readonly name: string;
  readonly direction: StudyDirection;
  readonly createdAt: number;
  readonly nTrials: number;
  readonly nComplete: number;
  /** best COMPLETE value in the study's direction, or null */
  readonly bestValue: number | null;
}

/**
 * Where studies live. A trial is written whole with {@link saveTrial} when it
 * starts (RUNNING) and again when it finishes, so storage always holds every
 * finished trial and, after a crash, at most one RUNNING one per study.
 */
export interface StudyStorage {
  /** The study named `name` with all its trials, or undefined. */
  loadStudy(name: string): Promise<StoredStudy | undefined>;
  /** Creates an empty study. @throws Error when the name is taken. */
  createStudy(name: string, direction: StudyDirection, createdAt: number): Promise<void>;
  /** Inserts or replaces trial `trial.number` of study `studyName` (params, intermediate values and attributes included). */
  saveTrial(studyName: string, trial: FrozenTrial): Promise<void>;
  /** Every study with trial counts and best value. */
  listStudies(): Promise<StudySummary[]>;
  /** Deletes a study and its trials (no-op when absent). */
  deleteStudy(name: string): Promise<void>;
}

/** Best COMPLETE value of `trials` for `direction`, or null. */
export function bestOf(trials: readonly FrozenTrial[], direction: StudyDirection): number | null {
  let best: number | null = null;
  for (const t of trials) {
    if (t.state !== 'COMPLETE' || t.value === null) continue;
    if (best === null || (direction === 'minimize' ? t.value < best : t.value > best)) best = t.value;
  }
  return best;
}

/**
 * Studies kept in this process only (deep copies, so callers cannot mutate
 * what is stored). Share one instance between `createStudy` calls to resume a
 * study by name within a process.
 */
export class InMemoryStudyStorage implements StudyStorage {
  private readonly studies = new Map<string, { direction: StudyDirection; createdAt: number; trials: FrozenTrial[] }>();

  async loadStudy(name: string): Promise<StoredStudy | undefined> {
    const s = this.studies.get(name);
    if (!s) return undefined;
    return { name, direction: s.direction, createdAt: s.createdAt, trials: s.trials.map(cloneTrial) };
  }

  async createStudy(name: string, direction: StudyDirection, createdAt: number): Promise<void> {
    if (this.studies.has(name)) throw new Error(`InMemoryStudyStorage: study '${name}' already exists`);
    this.studies.set(name, { direction, createdAt, trials: [] });
  }

  async saveTrial(studyName: string, trial: FrozenTrial): Promise<void> {
    const s = this.studies.get(studyName);
    if (!s) throw new Error(`InMemoryStudyStorage: no study '${studyName}'`);
    if (trial.number > s.trials.length) throw new Error(`InMemoryStudyStorage: trial ${trial.number} of '${studyName}' would leave a gap (have ${s.trials.length})`);
    s.trials[trial.number] = cloneTrial(trial);
  }

  async listStudies(): Promise<StudySummary[]> {
    return [...this.studies.entries()].map(([name, s]) => ({
      name,
      direction: s.direction,
      createdAt: s.createdAt,
      nTrials: s.trials.length,
      nComplete: s.trials.filter((t) => t.state === 'COMPLETE').length,
      bestValue: bestOf(s.trials, s.direction),
    }));
  }

  async deleteStudy(name: string): Promise<void> {
    this.studies.delete(name);
  }
}
