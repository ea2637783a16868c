import { z } from 'zod';

/** Official variant names, with or without the `RepVGG-` prefix, any case (`A0`, `repvgg-b1g4`). */
export const OFFICIAL_ARCH_PATTERN = /^(repvgg-)?(a[012]|b0|b[123](g[24])?)$/i;

export const customArchSchema = z
  .object({
    numBlocks: z.tuple([
      z.number().int().min(1),
      z.number().int().min(1),
      z.number().int().min(1),
      z.number().int().min(1),
    ]),
    widthMultiplier: z.tuple([
      z.number().positive(),
      z.number().positive(),
      z.number().positive(),
      z.number().positive(),
    ]),
    overrideGroupsMap: z
      .record(z.string().regex(/^\d+$/, 'keys are official layer indices'), z.number().int().min(1))
      .default({}),
    numClasses: z.number().int().min(2).optional(),
  })
  .strict();
export type CustomArch = z.infer<typeof customArchSchema>;

export const architectureSchema = z.union([
  z.string().regex(OFFICIAL_ARCH_PATTERN, 'must be an official variant such as RepVGG-A0 or B1g4'),
  customArchSchema,
]);

export const datasetSchema = z
  .object({
    source: z.enum(['imagefolder', 'idx']),
    /** Absolute path inside one of the coordinator's REPVGG_DATA_ROOTS. */
    path: z.string().min(1),
    /** imagefolder: how the validation split is laid out; idx: the gzip IDX file set. */
    format: z.enum(['auto', 'folders', 'flat', 'idx-gz']).default('auto'),
  })
  .strict();
export type DatasetSpec = z.infer<typeof datasetSchema>;

export const optimizerSchema = z
  .object({
    lr: z.number().positive().default(0.1),
    momentum: z.number().min(0).max(1).default(0.9),
    nesterov: z.boolean().default(false),
    weightDecay: z.number().min(0).default(1e-4),
  })
  .strict();

export const scheduleSchema = z
  .object({
    kind: z.literal('cosine').default('cosine'),
    /** Fractional epochs allowed (Fashion-MNIST's preset warms up for 0.5); rounded to whole steps. */
    warmupEpochs: z.number().min(0).default(0),
  })
  .strict();

export const workersRangeSchema = z
  .object({
    min: z.number().int().min(1).default(1),
    max: z.number().int().min(1).default(8),
  })
  .strict();

/**
 * When a job gives up: generations that fail without committing a step (e.g. a worker-side error
 * that repeats in every generation) would otherwise be re-formed forever.
 */
export const failureBudgetSchema = z
  .object({
    /**
     * Generations in a row that may end in a failure report without a committed step in between;
     * the job fails at this many, with the failures' error as its reason.
     */
    maxFailures: z.number().int().min(1).max(1000).default(5),
    /**
     * Seconds a job may hold workers on a shard without committing a step before it fails
     * (validation and finalizing do not count).
     */
    noProgressSeconds: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 3600)
      .default(1800),
  })
  .strict();
export type FailureBudget = z.infer<typeof failureBudgetSchema>;

/**
 * A training job. Defaults are the paper's recipe for light and middle models: 120 epochs, global
 * batch 256 over 8 replicas, SGD lr 0.1 momentum 0.9, weight decay 1e-4, cosine per iteration.
 */
export const jobSpecSchema = z
  .object({
    name: z.string().min(1).max(100).optional(),
    architecture: architectureSchema.default('RepVGG-A0'),
    dataset: datasetSchema,
    imageSize: z.number().int().min(8).max(1024).default(224),
    epochs: z.number().int().min(1).max(10_000).default(120),
    globalBatch: z.number().int().min(1).default(256),
    virtualReplicas: z.number().int().min(1).max(1024).default(8),
    optimizer: optimizerSchema.prefault({}),
    schedule: scheduleSchema.prefault({}),
    labelSmoothing: z.number().min(0).max(1).default(0),
    /**
     * Probability of Random Erasing (Zhong et al. 2017) per training sample, after the crop and flip:
     * a rectangle of 2–40 % of the image, aspect 0.3–3.3, filled with N(0, 1) in normalized space.
     * 0 (the default) for none.
     */
    randomErasing: z.number().min(0).max(1).default(0),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(0),
    mode: z.enum(['deterministic', 'fast']).default('fast'),
    /**
     * How gradients travel between workers: float32, or IEEE half (half the bytes, ~1e-3 relative
     * rounding per hop) — fast mode only, since deterministic mode sums exact fixed-point values.
     */
    wire: z.enum(['fp32', 'fp16']).default('fp32'),
    /**
     * Fast mode: all-reduce gradient buckets while backward still computes (docs/compute.md); false
     * (the default: on a local cluster whose workers share their cores it measured slower) keeps one
     * all-reduce after the compute. Deterministic mode always reduces once per step.
     */
    overlap: z.boolean().default(false),
    workers: workersRangeSchema.prefault({}),
    shardSteps: z.number().int().min(1).default(100),
    /** Checkpoint every N shards (and always at each epoch end). */
    checkpointEvery: z.number().int().min(1).default(10),
    priority: z.number().int().min(-100).max(100).default(0),
    failureBudget: failureBudgetSchema.prefault({}),
    /**
     * Starting weights (fine-tuning: weights only, from step 0), relative to the artifact store: a
     * checkpoint folder at any cursor (e.g. a finished job's final-checkpoint) or a weights file
     * (.safetensors, PyTorch .pth).
     */
    initialCheckpoint: z
      .string()
      .regex(
        /^(?!.*(^|\/)\.\.?(\/|$))[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/,
        'must be a checkpoint folder or weights file under the artifact store, e.g. jobs/<id>/final-checkpoint',
      )
      .optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.globalBatch % spec.virtualReplicas !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['globalBatch'],
        message: `must be divisible by virtualReplicas (${spec.virtualReplicas})`,
      });
    }
    if (spec.wire === 'fp16' && spec.mode === 'deterministic') {
      ctx.addIssue({
        code: 'custom',
        path: ['wire'],
        message:
          "fp16 is for mode 'fast' only: deterministic mode sums exact values; use wire 'fp32'",
      });
    }
    if (spec.workers.min > spec.workers.max) {
      ctx.addIssue({ code: 'custom', path: ['workers', 'min'], message: 'must be <= workers.max' });
    }
    if (spec.workers.max > spec.virtualReplicas) {
      ctx.addIssue({
        code: 'custom',
        path: ['workers', 'max'],
        message: `must be <= virtualReplicas (${spec.virtualReplicas}): a worker computes whole replicas`,
      });
    }
    if (spec.schedule.warmupEpochs >= spec.epochs) {
      ctx.addIssue({
        code: 'custom',
        path: ['schedule', 'warmupEpochs'],
        message: 'must be smaller than epochs',
      });
    }
  });

/** What a client sends (defaults not yet applied). */
export type JobSpecInput = z.input<typeof jobSpecSchema>;
/** A validated spec with every default filled in. */
export type JobSpec = z.output<typeof jobSpecSchema>;
