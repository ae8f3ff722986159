import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Runs the app exactly as cdktf.json runs it, into a fresh output folder. */
export function runApp(env: Record<string, string> = {}): { outdir: string; status: number | null; stderr: string; stdout: string } {
  const { app } = require(join(ROOT, 'cdktf.json')) as { app: string };
  const outdir = join(mkdtempSync(join(tmpdir(), 'vsp-synth-')), 'cdktf.out');
  const result = spawnSync(app, { shell: true, cwd: ROOT, encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1', CDKTF_OUTDIR: outdir, ...env } });
  return { outdir, status: result.status, stderr: result.stderr, stdout: result.stdout };
}
