import type { Command } from 'commander';
import { resolveConnection, type ConnectionFlags } from '../client/connection';
import { CoordinatorClient } from '../client/coordinator.client';

/** `--coordinator`, `--token`, `--cluster-dir`: every command that talks to a coordinator. */
export function addConnectionOptions(cmd: Command): Command {
  return cmd
    .option(
      '--coordinator <url>',
      'coordinator REST URL (default: REPVGG_COORDINATOR, else the local cluster)',
    )
    .option(
      '--token <token>',
      "API token (default: REPVGG_TOKEN, else the local cluster's token file)",
    )
    .option(
      '--cluster-dir <dir>',
      'local cluster directory (default: REPVGG_CLUSTER_DIR, else .repvgg/cluster)',
    );
}

/** A client for the coordinator the flags, the environment or the local cluster name. */
export const clientFor = (flags: ConnectionFlags): CoordinatorClient =>
  new CoordinatorClient(resolveConnection(flags));
