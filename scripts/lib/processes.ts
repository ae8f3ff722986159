/**
 * Long-running child processes for tests and the demo (etcd, kube-apiserver, the ESO controller,
 * moto, ...): started with their output in a log file, stopped by PID, and never left behind. Each
 * is killed when this Node process exits or gets SIGINT/SIGTERM/SIGHUP, and a detached watchdog
 * kills it even if Node dies by SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { createServer } from 'node:net';

const liveChildren = new Set<ChildProcess>();
let exitHooksInstalled = false;

function killAll(): void {
  for (const c of liveChildren) {
    try {
      c.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/** Kills every tracked child on exit and on SIGINT, SIGTERM and SIGHUP (once per process). */
export function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = (): void => {
      killAll();
      process.removeListener(sig, handler);
      // Keep the default behaviour (terminate) unless someone else handles it.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, handler);
  }
}

/**
 * A watchdog that kills `childPid` when `parentPid` is gone, even if the parent died by SIGKILL and
 * its exit hooks never ran.
 */
export function spawnWatchdog(childPid: number, parentPid: number = process.pid): ChildProcess {
  const script =
    'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done; ' +
    'if kill -0 "$2" 2>/dev/null; then kill -TERM "$2" 2>/dev/null; sleep 5; kill -KILL "$2" 2>/dev/null; fi';
  const w = spawn('/bin/sh', ['-c', script, 'vsp-watchdog', String(parentPid), String(childPid)], { detached: true, stdio: 'ignore' });
  w.unref();
  return w;
}

/** Waits `ms`; the timer never keeps the process (or Jest) alive on its own. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => (port ? resolvePort(port) : reject(new Error('could not get a free port'))));
    });
  });
}

/** Whether `port` on 127.0.0.1 can be bound now. */
export async function isPortFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => done(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => done(true)));
  });
}

/** The last `bytes` of a file, or '' if it cannot be read. */
export function tailFile(file: string, bytes = 4000): string {
  try {
    const size = statSync(file).size;
    const start = Math.max(0, size - bytes);
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(size - start);
      readSync(fd, buf, 0, buf.length, start);
      return buf.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return '';
  }
}

/** How to start one managed process. */
export interface ManagedProcessOptions {
  /** Name used in messages, e.g. "kube-apiserver". */
  readonly name: string;
  /** Executable path. */
  readonly bin: string;
  /** Arguments. */
  readonly args: readonly string[];
  /** File that receives stdout and stderr (appended). */
  readonly logFile: string;
  /** Environment. @default - this process's environment */
  readonly env?: NodeJS.ProcessEnv;
  /** Working folder. @default - this process's */
  readonly cwd?: string;
  /**
   * Outlive this Node process (the demo's `--keep`): no exit hooks, no watchdog; stop it later by
   * PID with `stopPid`. @default false
   */
  readonly detached?: boolean;
}

/** One child process with its log, tracked for cleanup and stoppable by PID. */
export class ManagedProcess {
  private child: ChildProcess | undefined;
  private watchdog: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  /** Why the process ended, once it has. */
  public exitInfo: string | undefined;

  constructor(private readonly opts: ManagedProcessOptions) {}

  /** PID of the running process. */
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return this.child !== undefined && this.exitInfo === undefined;
  }

  start(): void {
    const detached = this.opts.detached === true;
    if (!detached) installExitHooks();
    const fd = openSync(this.opts.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(this.opts.bin, [...this.opts.args], {
        stdio: ['ignore', fd, fd],
        env: this.opts.env ?? process.env,
        cwd: this.opts.cwd,
        detached,
      });
    } finally {
      closeSync(fd);
    }
    this.child = child;
    this.exitInfo = undefined;
    if (detached) {
      child.unref();
    } else {
      liveChildren.add(child);
    }
    this.exited = new Promise<void>((done) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = `exited with ${signal ?? `code ${code}`}`;
        liveChildren.delete(child);
        done();
      });
      child.once('error', (err) => {
        this.exitInfo = `failed to start ${this.opts.bin}: ${err.message}`;
        liveChildren.delete(child);
        done();
      });
    });
    if (child.pid && !detached) this.watchdog = spawnWatchdog(child.pid);
  }

  /** An error that says what failed, how the process ended and the end of its log. */
  failure(what: string): Error {
    return new Error(`${this.opts.name} ${what}${this.exitInfo ? ` (process ${this.exitInfo})` : ''}. Log ${this.opts.logFile}:\n${tailFile(this.opts.logFile)}`);
  }

  /** Polls `probe` until it returns a value, the process ends, or `timeoutMs` passes. */
  async waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let lastErr = '';
    while (Date.now() < deadline) {
      if (!this.running) throw this.failure(`stopped while waiting until ${what}`);
      try {
        const v = await probe();
        if (v !== undefined) return v;
      } catch (err) {
        lastErr = (err as Error).message;
      }
      await sleep(200);
    }
    throw this.failure(`did not get ${what} within ${timeoutMs} ms${lastErr ? ` (last error: ${lastErr})` : ''}`);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; also stops the watchdog. */
  async stop(graceMs = 10_000): Promise<void> {
    const child = this.child;
    if (child && this.exitInfo === undefined) {
      child.kill('SIGTERM');
      const timedOut = await Promise.race([this.exited.then(() => false), sleep(graceMs).then(() => true)]);
      if (timedOut) {
        child.kill('SIGKILL');
        await this.exited;
      }
    }
    if (this.watchdog?.pid) {
      try {
        process.kill(this.watchdog.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    this.watchdog = undefined;
    this.child = undefined;
  }
}

/** Stops a process started earlier (possibly by another Node process) by PID: TERM, then KILL. */
export async function stopPid(pid: number, graceMs = 10_000): Promise<void> {
  const alive = (): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive() && Date.now() < deadline) await sleep(100);
  if (alive()) process.kill(pid, 'SIGKILL');
}
