'use strict';
// Ports, waits and long-running child processes for the image smoke (scripts/image.smoke.js).
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { cleanup, lastLine } = require('./image.util');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** A failure that ends a wait at once (other errors of `check`, like a refused connection, retry). */
class Fatal extends Error {}

/** Polls `check` until it holds; fails as soon as one of `procs` exits. */
async function until(check, what, timeoutMs, procs = []) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = procs.find((p) => p.exited !== undefined);
    if (dead)
      throw new Error(`${dead.name} exited (${dead.exited}) before ${what}: ${dead.last()}`);
    const ok = await check().catch((err) => {
      if (err instanceof Fatal) throw err;
      return false;
    });
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(250);
  }
}

/** A long-running child in its own process group, its output in `logs/<name>.log`. */
function startProcess(name, cmd, args, logs, env) {
  const file = path.join(logs, `${name}.log`);
  const fd = fs.openSync(file, 'a');
  const child = spawn(cmd, args, {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: env ?? process.env,
  });
  fs.closeSync(fd);
  const proc = {
    name,
    child,
    exited: undefined,
    last: () => lastLine(fs.readFileSync(file, 'utf8')) || `(no output; ${file})`,
    stopped: new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        proc.exited = signal ?? `exit ${code}`;
        resolve(code);
      });
    }),
  };
  const kill = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  // SIGTERM goes to the app alone, as a kubelet sends it to the container's process: buildah run
  // answers its own SIGTERM by killing what it runs (chroot isolation shares the host's PID space).
  const terminateApp = () => {
    for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      let stat;
      try {
        stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue; // exited meanwhile
      }
      // pid (comm) state ppid pgrp ...; comm may hold spaces, so split after its closing paren.
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (pgrp === child.pid && comm === 'node') process.kill(Number(pid), 'SIGTERM');
    }
  };
  proc.stop = async (signal = 'SIGTERM', graceMs = 10_000) => {
    if (proc.exited !== undefined) return proc.stopped;
    if (signal === 'SIGTERM') terminateApp();
    else kill(signal);
    const timer = setTimeout(() => kill('SIGKILL'), graceMs);
    const code = await proc.stopped;
    clearTimeout(timer);
    return code;
  };
  cleanup.add(() => proc.stop('SIGKILL', 0));
  return proc;
}

/** An MNIST-style IDX pair (8×8 images over 3 classes), as libs/training/src/data reads it. */
function redisPing(port) {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.setTimeout(1000);
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.once('data', (d) => {
      sock.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    sock.once('error', () => resolve(false));
    sock.once('timeout', () => {
      sock.destroy();
      resolve(false);
    });
  });
}

module.exports = { freePort, Fatal, until, startProcess, redisPing };
