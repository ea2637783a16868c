import { Command, Option } from 'commander';
import { registerBootstrapSecrets } from './commands/bootstrap-secrets.command';
import { registerCluster } from './commands/cluster.command';
import { registerConvert } from './commands/convert.command';
import { registerEvaluate } from './commands/evaluate.command';
import { registerCoordinator } from './commands/coordinator.command';
import { registerInfer } from './commands/infer.command';
import { registerInfo } from './commands/info.command';
import { registerInit } from './commands/init.command';
import { registerPredict } from './commands/predict.command';
import { registerTrain } from './commands/train.command';
import { registerWorker } from './commands/worker.command';
import { registerCancel } from './commands/cancel.command';
import { registerDelete } from './commands/delete.command';
import { registerDownload } from './commands/download.command';
import { registerJobs } from './commands/jobs.command';
import { registerLogs } from './commands/logs.command';
import { registerResume } from './commands/resume.command';
import { registerStatus } from './commands/status.command';
import { registerSubmit } from './commands/submit.command';
import { registerWatch } from './commands/watch.command';
import { registerRun } from './commands/run.command';
import { CommandLineError } from './errors/command-line.error';
import { BACKENDS } from './model/backend';

/** Each command lives in its own file and registers itself here. */
const COMMANDS: readonly ((program: Command) => void)[] = [
  registerInfo,
  registerInit,
  registerConvert,
  registerInfer,
  registerPredict,
  registerTrain,
  registerEvaluate,
  registerCoordinator,
  registerWorker,
  registerRun,
  registerSubmit,
  registerJobs,
  registerStatus,
  registerWatch,
  registerLogs,
  registerDownload,
  registerCancel,
  registerResume,
  registerDelete,
  registerCluster,
  registerBootstrapSecrets,
];

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Parse errors are thrown (not printed and exited) so one handler formats every failure. */
function throwParseErrors(cmd: Command): void {
  cmd.exitOverride((err) => {
    throw new CommandLineError(err, commandPath(cmd));
  });
  cmd.configureOutput({ outputError: () => undefined });
  cmd.commands.forEach(throwParseErrors);
}

export function buildProgram(): Command {
  const program = new Command('repvgg')
    .description(
      'RepVGG training and model tools: architecture info, init, local training, convert to a fused deploy bundle, inference, and the distributed coordinator',
    )
    .addOption(
      new Option(
        '--backend <name>',
        'compute backend (default: REPVGG_BACKEND, else tfjs-node-gpu → tfjs-node → wasm → cpu)',
      ).choices(BACKENDS),
    )
    .configureHelp({ showGlobalOptions: true });
  for (const register of COMMANDS) register(program);
  throwParseErrors(program);
  return program;
}
