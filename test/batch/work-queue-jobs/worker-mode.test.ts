import { Testing } from 'cdk8s';
import { ParallelWorkersOptions, WorkerMode, WorkerModeKind, WorkQueueJobs } from '../../../src';
import { ofKind, synthValid } from '../../harness';

// Each mode owns what it builds (`_bind`); the construct's tests (test/batch/work-queue-jobs.test.ts) assert the
// objects of every mode. Here: each factory gives its kind, and a mode keeps the options it was made with.
describe('WorkerMode', () => {
  test.each([
    [WorkerMode.parallel(), WorkerModeKind.PARALLEL],
    [WorkerMode.parallel({ parallelism: 2 }), WorkerModeKind.PARALLEL],
    [WorkerMode.indexed(), WorkerModeKind.INDEXED],
    [WorkerMode.scaledJob({ maxReplicas: 4 }), WorkerModeKind.SCALED_JOB],
  ])('%# has its kind', (mode, kind) => {
    expect(mode.kind).toBe(kind);
    expect(mode).toBeInstanceOf(WorkerMode);
  });

  test('a mode keeps the options it was made with, whatever the caller does to its object later', () => {
    // GIVEN a mode made from an options object that is changed afterwards
    const options: { -readonly [K in keyof ParallelWorkersOptions]: ParallelWorkersOptions[K] } = { parallelism: 2 };
    const mode = WorkerMode.parallel(options);
    options.parallelism = 9;
    // WHEN it runs
    const chart = Testing.chart();
    new WorkQueueJobs(chart, 'q', { worker: { image: 'node:22.11.0-bookworm' }, mode });
    // THEN the Job has the parallelism of the moment the mode was made
    const jobs = ofKind(synthValid(chart), 'Job');
    expect(jobs.map((j) => j.spec.parallelism)).toEqual([2]);
  });
});
