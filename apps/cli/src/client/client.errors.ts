import type { ApiErrorBody } from '@repvgg/contracts';
import { EXIT_FAILURE, EXIT_UNREACHABLE, ExitCodeError } from '../errors/exit-code.error';
import { UsageError } from '../errors/usage.error';

/** What a request was for, so that an error can say what to do about it. */
export interface RequestContext {
  readonly url: string;
  /** e.g. `cancel`, `resume`, `delete`, `submit`. */
  readonly action: string;
  readonly jobId?: string;
  /** Where the token came from (`--token`, `REPVGG_TOKEN`, a token file); undefined: none sent. */
  readonly tokenSource?: string;
}

const WHERE_TO_CONNECT =
  'start a local cluster with `repvgg cluster up`, or pass --coordinator URL (or set REPVGG_COORDINATOR) of a running one';

export class CoordinatorUnreachableError extends ExitCodeError {
  constructor(url: string, cause: string) {
    super(`cannot reach the coordinator at ${url} (${cause})`, WHERE_TO_CONNECT, EXIT_UNREACHABLE);
  }
}

/** A 4xx answer: the request, the token or the job's state is wrong (exit 2). */
export class CoordinatorRefusedError extends UsageError {
  constructor(
    readonly status: number,
    problem: string,
    remedy: string,
  ) {
    super(problem, remedy);
  }
}

/** A 5xx answer or a body that breaks the contract: the coordinator is at fault (exit 1). */
export class CoordinatorFailedError extends ExitCodeError {
  constructor(url: string, problem: string) {
    super(
      `the coordinator at ${url} failed: ${problem}`,
      'see its log (`repvgg cluster status` shows where) and retry',
      EXIT_FAILURE,
    );
  }
}

/** Job spec fields and the `repvgg submit` flag that sets each. */
const FLAG_OF_FIELD: readonly (readonly [string, string])[] = [
  ['architecture', '--arch/--arch-file'],
  ['dataset.path', '--data'],
  ['dataset.source', '--source'],
  ['imageSize', '--image-size'],
  ['epochs', '--epochs'],
  ['globalBatch', '--batch'],
  ['virtualReplicas', '--replicas'],
  ['optimizer.lr', '--lr'],
  ['optimizer.weightDecay', '--weight-decay'],
  ['schedule.warmupEpochs', '--warmup-epochs'],
  ['labelSmoothing', '--label-smoothing'],
  ['randomErasing', '--random-erasing'],
  ['seed', '--seed'],
  ['mode', '--mode'],
  ['workers.min', '--workers-min'],
  ['workers.max', '--workers-max'],
  ['priority', '--priority'],
  ['name', '--name'],
];

function flagOf(path: string): string | undefined {
  return FLAG_OF_FIELD.find(([field]) => path === field || path.startsWith(`${field}.`))?.[1];
}

function badRequest(body: ApiErrorBody | undefined, ctx: RequestContext): Error {
  const issues = body?.issues ?? [];
  const first = issues.at(0);
  if (first === undefined) {
    return new CoordinatorRefusedError(
      400,
      `the coordinator rejected the ${ctx.action} request: ${body?.message ?? 'bad request'}`,
      'check the arguments',
    );
  }
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  const flag = flagOf(first.path);
  const fix = flag === undefined ? `fix ${first.path} in the spec` : `fix ${flag} (${first.path})`;
  return new CoordinatorRefusedError(
    400,
    `the coordinator rejected the job spec: ${first.path} ${first.message}${more}`,
    `${fix} and submit again`,
  );
}

function conflict(body: ApiErrorBody | undefined, ctx: RequestContext): Error {
  const job = ctx.jobId ?? 'the job';
  const remedy: Readonly<Record<string, string>> = {
    cancel: 'it already finished; nothing to cancel',
    resume: `only failed or cancelled jobs resume; see its state with \`repvgg status ${job}\``,
    delete: `only finished jobs can be deleted; cancel it first with \`repvgg cancel ${job}\``,
  };
  return new CoordinatorRefusedError(
    409,
    `cannot ${ctx.action} job ${job}: ${body?.message ?? 'conflict'}`,
    remedy[ctx.action] ?? `check its state with \`repvgg status ${job}\``,
  );
}

/** The one-line error for an HTTP answer that is not a success. */
export function responseError(
  status: number,
  body: ApiErrorBody | undefined,
  ctx: RequestContext,
): Error {
  if (status === 400) return badRequest(body, ctx);
  if (status === 401) {
    return new CoordinatorRefusedError(
      401,
      `the coordinator at ${ctx.url} needs an API token and none was sent`,
      'pass --token, set REPVGG_TOKEN, or point --cluster-dir at the cluster whose token file to use',
    );
  }
  if (status === 403) {
    return new CoordinatorRefusedError(
      403,
      `the coordinator at ${ctx.url} refused the token from ${ctx.tokenSource ?? 'the request'}`,
      'pass the token it was started with (--token or REPVGG_TOKEN)',
    );
  }
  if (status === 404 && body?.message.startsWith('Cannot ') === true) {
    // Express's answer for a route it does not have, not the API's "no such job".
    return new CoordinatorRefusedError(
      404,
      `the coordinator at ${ctx.url} does not support ${ctx.action} (${body.message})`,
      'upgrade the coordinator to the version of this client',
    );
  }
  if (status === 404) {
    return new CoordinatorRefusedError(
      404,
      ctx.jobId === undefined
        ? `${ctx.url} has no such resource (${body?.message ?? 'not found'})`
        : `the coordinator at ${ctx.url} has no job ${ctx.jobId}`,
      'list the jobs with `repvgg jobs` (or check --coordinator)',
    );
  }
  if (status === 409) return conflict(body, ctx);
  if (status < 500) {
    return new CoordinatorRefusedError(
      status,
      `the coordinator refused the ${ctx.action} request (${status}): ${body?.message ?? ''}`,
      'check the arguments',
    );
  }
  return new CoordinatorFailedError(ctx.url, `${status} ${body?.message ?? ''}`.trim());
}
