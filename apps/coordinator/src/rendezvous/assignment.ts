import type { Assignment } from '@repvgg/contracts';
import type { Generation } from './generation';
import type { JobWork, RendezvousJob } from './job-work';

export const IDLE_ASSIGNMENT: Assignment = { jobId: '' };

/** The message a member of `generation` receives on its Watch stream. */
export function buildAssignment(
  job: RendezvousJob,
  generation: Generation,
  workerId: string,
  work: JobWork | null,
): Assignment {
  const me = generation.members.find((m) => m.workerId === workerId);
  const base: Assignment = {
    jobId: job.id,
    generation: generation.number,
    token: generation.token,
    members: generation.members.map((m) => ({ ...m, replicas: [...m.replicas] })),
    rank: me?.rank ?? 0,
    leaderId: generation.leaderId,
    jobSpecJson: job.specJson,
    artifactDir: job.artifactDir,
    checkpoint: job.checkpoint,
  };
  if (work === null) return base;
  switch (work.kind) {
    case 'shard':
      return {
        ...base,
        shard: {
          epoch: work.epoch,
          shard: work.shard,
          startStep: work.startStep,
          endStep: work.endStep,
          resumeStep: work.resumeStep,
          stepsPerEpoch: work.stepsPerEpoch,
        },
      };
    case 'validate':
      return { ...base, validate: { epoch: work.epoch } };
  }
}
