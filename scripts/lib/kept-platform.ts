/**
 * A demo platform left running by `npm run demo -- --keep`: its processes run detached from the
 * demo, their PIDs are recorded in `.demo/platform.json`, and `npm run demo -- --stop` stops
 * exactly those PIDs (after checking each is still the program that was started) and removes what
 * the demo wrote.
 *
 * OpenBao is first run under scripts/lib/openbao.ts (which kills it if the demo dies), then handed
 * over: stopped, and started again detached on the same storage and port, and unsealed with the key
 * kept in its 0600 credentials file.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PROJECT_ROOT } from './cdktf-cli';

/** Where a kept demo lives (git-ignored). */
export const DEMO_DIR = join(PROJECT_ROOT, '.demo');
/** The record of a kept demo. */
export const PLATFORM_FILE = join(DEMO_DIR, 'platform.json');

/** One process of a kept platform. */
export interface KeptProcess {
  /** What it is, e.g. "openbao". */
  readonly name: string;
  readonly pid: number;
  /** A substring of /proc/<pid>/cmdline, checked before the PID is signalled. */
  readonly cmdline: string;
}

/** What `--stop` needs to undo a kept demo. */
export interface KeptPlatform {
  readonly platform: string;
  readonly startedAt: string;
  readonly processes: KeptProcess[];
  /** Files and folders the demo created outside `.demo/` (state files), removed by `--stop`. */
  readonly created: string[];
}

export function readKeptPlatform(): KeptPlatform | undefined {
  return existsSync(PLATFORM_FILE) ? (JSON.parse(readFileSync(PLATFORM_FILE, 'utf8')) as KeptPlatform) : undefined;
}

export function writeKeptPlatform(p: KeptPlatform): void {
  writeFileSync(PLATFORM_FILE, `${JSON.stringify(p, null, 2)}\n`, { mode: 0o600 });
}

/** Whether `pid` is alive and still runs a command line containing `cmdline`. */
export function isOurs(p: KeptProcess): boolean {
  try {
    return readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').replace(/\0/g, ' ').includes(p.cmdline);
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** SIGTERM, then SIGKILL after `graceMs`. Returns how it ended. */
export async function stopProcess(p: KeptProcess, graceMs = 10_000): Promise<'not running' | 'stopped' | 'killed'> {
  if (!isOurs(p)) return 'not running';
  process.kill(p.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isOurs(p)) return 'stopped';
    await sleep(100);
  }
  if (isOurs(p)) process.kill(p.pid, 'SIGKILL');
  return 'killed';
}

/**
 * Starts `bao server` detached on an existing data folder (server.hcl and credentials.json written
 * by scripts/lib/openbao.ts) and unseals it. Returns the process record.
 */
export async function startDetachedOpenBao(baoBin: string, dataDir: string, timeoutMs = 60_000): Promise<{ process: KeptProcess; addr: string }> {
  const creds = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as { addr: string; unsealKey: string };
  const configFile = join(dataDir, 'server.hcl');
  const fd = openSync(join(dataDir, 'server.log'), 'a');
  let pid: number | undefined;
  try {
    const child = spawn(baoBin, ['server', `-config=${configFile}`], { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, BAO_LOG_FORMAT: 'standard' } });
    child.unref();
    pid = child.pid;
  } finally {
    closeSync(fd);
  }
  if (!pid) throw new Error(`could not start ${baoBin}`);
  const proc: KeptProcess = { name: 'openbao', pid, cmdline: configFile };
  const deadline = Date.now() + timeoutMs;
  const get = async (path: string, init?: RequestInit) => fetch(`${creds.addr}${path}`, { ...init, signal: AbortSignal.timeout(5000) });
  let unsealed = false;
  while (Date.now() < deadline) {
    if (!isOurs(proc)) throw new Error(`OpenBao exited; see ${join(dataDir, 'server.log')}`);
    try {
      if (!unsealed) {
        const r = await get('/v1/sys/unseal', { method: 'PUT', body: JSON.stringify({ key: creds.unsealKey }), headers: { 'content-type': 'application/json' } });
        unsealed = r.status === 200 && ((await r.json()) as { sealed?: boolean }).sealed === false;
      } else if ((await get('/v1/sys/health')).status === 200) {
        return { process: proc, addr: creds.addr };
      }
    } catch {
      /* not listening yet */
    }
    await sleep(100);
  }
  await stopProcess(proc);
  throw new Error(`OpenBao did not become active within ${timeoutMs} ms; see ${join(dataDir, 'server.log')}`);
}

/** Stops every recorded process and removes `.demo/` and the recorded files. */
export async function stopKeptPlatform(log: (line: string) => void): Promise<boolean> {
  const kept = readKeptPlatform();
  if (!kept) {
    log(`no kept demo platform (${PLATFORM_FILE} does not exist): nothing to stop`);
    return false;
  }
  // Reverse start order: clients before the servers they talk to.
  for (const p of [...kept.processes].reverse()) log(`  ${p.name} (pid ${p.pid}): ${await stopProcess(p)}`);
  for (const f of kept.created) rmSync(f, { recursive: true, force: true });
  // The state folder, when the demo's files were all it held.
  for (const d of new Set(kept.created.map((f) => dirname(f)))) if (existsSync(d) && readdirSync(d).length === 0) rmdirSync(d);
  rmSync(DEMO_DIR, { recursive: true, force: true });
  log(`  removed ${DEMO_DIR}${kept.created.length ? ` and ${kept.created.length} state file(s)` : ''}`);
  return true;
}
