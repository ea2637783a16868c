'use strict';
// Progress lines, one-line failures, child processes and cleanup for scripts/image*.js.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const log = (line) => process.stdout.write(`image: ${line}\n`);

/** Undo steps, run last-added first, once, on success, failure or a signal. */
const cleanup = {
  steps: [],
  add(step) {
    this.steps.push(step);
  },
  async run() {
    const steps = this.steps.splice(0).reverse();
    for (const step of steps) {
      try {
        await step();
      } catch (err) {
        process.stderr.write(
          `image: cleanup: ${err instanceof Error ? err.message : String(err)}\n`,
        );
      }
    }
  },
};

let failing = false;
/** Prints one line, cleans up and exits non-zero. */
function fail(message, code = 1) {
  if (failing) return;
  failing = true;
  process.stderr.write(`image: FAILED: ${message.split('\n')[0]}\n`);
  void cleanup.run().finally(() => process.exit(code));
}
for (const signal of ['SIGINT', 'SIGTERM'])
  process.once(signal, () => fail(`stopped by ${signal}`, 130));

/** Runs `fn` between a start line and a line with its duration. */
async function stage(name, fn) {
  const started = Date.now();
  log(`${name} ...`);
  const result = await fn();
  log(`${name}: ok in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

const lastLine = (text) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .at(-1) ?? '';

/**
 * Runs a command to completion; its output goes to `logFile` (or is kept in memory) and a failure
 * rejects with one line: what failed, its exit code, its last output line and where the rest is.
 */
function run(cmd, args, { what, env, cwd, logFile } = {}) {
  return new Promise((resolve, reject) => {
    // The log's directory may not exist yet: a cached base image skips the step that creates it.
    if (logFile !== undefined) fs.mkdirSync(path.dirname(logFile), { recursive: true });
    const out = logFile === undefined ? undefined : fs.createWriteStream(logFile);
    let tail = '';
    const child = spawn(cmd, args, {
      env: env ?? process.env,
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk) => {
      out?.write(chunk);
      tail = (tail + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (err) => reject(new Error(`${what ?? cmd}: ${err.message}`)));
    child.on('close', (code, signal) => {
      out?.end();
      if (code === 0) resolve(tail);
      else {
        const where = logFile === undefined ? '' : ` (full log: ${logFile})`;
        reject(
          new Error(
            `${what ?? cmd} failed (${signal ?? `exit ${code}`}): ${lastLine(tail)}${where}`,
          ),
        );
      }
    });
  });
}

module.exports = { log, fail, stage, run, cleanup, lastLine };
