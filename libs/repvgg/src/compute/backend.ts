import '@tensorflow/tfjs-backend-wasm';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BackendUnavailableError, UnknownBackendError } from './backend.error';
import { registerKernels } from './kernels/register-kernels';
import { tf } from './tf';

export interface BackendInfo {
  /** The tfjs backend name, as `tf.getBackend()` reports it. */
  readonly name: string;
  /** The npm package that provides it. */
  readonly package: string;
}

export type BackendChoice = 'tensorflow' | 'wasm' | 'cpu';

export interface InitBackendOptions {
  /** Where the one line naming the chosen backend goes; stderr by default. */
  readonly log?: (line: string) => void;
}

const CHOICES: readonly BackendChoice[] = ['tensorflow', 'wasm', 'cpu'];
/** GPU first: when both native packages are installed, the CUDA one is the point of installing it. */
const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

let announced: string | undefined;

function parseChoice(value: string): BackendChoice | 'auto' {
  const v = value.trim().toLowerCase();
  if (v === '' || v === 'auto') return 'auto';
  const choice = CHOICES.find((c) => c === v);
  if (choice === undefined) throw new UnknownBackendError(value);
  return choice;
}

async function activate(name: string): Promise<void> {
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
    await tf.ready();
  } catch (err) {
    throw new BackendUnavailableError(name, err instanceof Error ? err.message : String(err));
  }
  // setBackend can report success and still leave an earlier backend active; trust only getBackend.
  if (!ok || tf.getBackend() !== name) {
    throw new BackendUnavailableError(name, `tf.getBackend() reports "${tf.getBackend()}"`);
  }
}

/**
 * npm can leave a native package in place without its binding (install scripts skipped or the
 * libtensorflow download failed). Requiring such a package registers hundreds of kernels before
 * it throws, so look for the compiled binding first.
 */
export function nativeBindingPresent(pkg: string): boolean {
  let root: string;
  try {
    root = dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    return false;
  }
  const lib = join(root, 'lib');
  if (!existsSync(lib)) return false;
  return readdirSync(lib).some((d) => existsSync(join(lib, d, 'tfjs_binding.node')));
}

async function activateNative(): Promise<BackendInfo> {
  const failures: string[] = [];
  for (const pkg of NATIVE_PACKAGES) {
    if (!nativeBindingPresent(pkg)) {
      failures.push(`${pkg}: not installed with its native binding`);
      continue;
    }
    try {
      // Optional dependencies: requiring one registers the 'tensorflow' backend, or throws when
      // npm dropped it because libtensorflow could not be downloaded.
      await (import(pkg) as Promise<unknown>);
      await activate('tensorflow');
      return { name: 'tensorflow', package: pkg };
    } catch (err) {
      failures.push(`${pkg}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
  }
  throw new BackendUnavailableError('tensorflow', failures.join('; '));
}

async function activateChoice(choice: BackendChoice): Promise<BackendInfo> {
  switch (choice) {
    case 'tensorflow':
      return activateNative();
    case 'wasm':
      registerKernels();
      await activate('wasm');
      return { name: 'wasm', package: '@tensorflow/tfjs-backend-wasm' };
    case 'cpu':
      await activate('cpu');
      return { name: 'cpu', package: '@tensorflow/tfjs' };
  }
}

/**
 * Makes the compute backend active: `requested`, else `REPVGG_BACKEND`, else the first of
 * tfjs-node-gpu → tfjs-node → wasm → cpu that really becomes active. Logs the choice once.
 */
export async function initBackend(
  requested?: string,
  options: InitBackendOptions = {},
): Promise<BackendInfo> {
  const choice = parseChoice(requested ?? process.env.REPVGG_BACKEND ?? 'auto');
  let info: BackendInfo | undefined;
  if (choice !== 'auto') {
    info = await activateChoice(choice);
  } else {
    const failures: string[] = [];
    for (const candidate of CHOICES) {
      try {
        info = await activateChoice(candidate);
        break;
      } catch (err) {
        failures.push(err instanceof Error ? err.message : String(err));
      }
    }
    if (info === undefined) throw new BackendUnavailableError('auto', failures.join('; '));
  }
  const line = `compute backend: ${info.name} (${info.package})`;
  if (announced !== line) {
    announced = line;
    (options.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(line);
  }
  return info;
}

/**
 * `initBackend` for a compute lane, which also activates a backend no built-in choice names when a
 * module it loaded first registered one under that name (ReplicaWorkerInit.preload).
 */
export async function initLaneBackend(
  requested: string | undefined,
  options: InitBackendOptions = {},
): Promise<BackendInfo> {
  const name = requested?.trim() ?? '';
  const builtIn = name === '' || name === 'auto' || CHOICES.some((c) => c === name);
  // typed as always found, but null when nothing registered the name
  const factory: (() => unknown) | null = builtIn ? null : tf.findBackendFactory(name);
  if (factory === null) return initBackend(requested, options);
  await activate(name);
  return { name, package: 'registered by a preloaded module' };
}
