/**
 * `npm run bench`: what the action costs a workflow, measured on the emulator under
 * Node 24 and printed against its targets. Each figure is a median of interleaved
 * runs with its baseline, so machine noise hits both alike. Prints; asserts nothing.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DIST, runStep } from '../emulator/fake-runner.ts';
import { runBurst } from '../emulator/scenarios.ts';
import { VeniceEmulator } from '../emulator/venice-emulator.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' }, 'skip-burst': { type: 'boolean', default: false } } });
const RUNS = Math.max(9, Number(values.runs));

/** Wall time of one process from spawn to exit, in milliseconds. */
function timeProcess(args: string[], env: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`${args.join(' ')} exited ${code}`));
      else resolve(Number(process.hrtime.bigint() - started) / 1e6);
    });
  });
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

/** Runs subject and baseline alternately, `RUNS` times each after a warm-up, and returns their medians. */
async function interleaved(subject: () => Promise<number>, baseline: () => Promise<number>) {
  await subject();
  await baseline();
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    a.push(await subject());
    b.push(await baseline());
  }
  return { subject: median(a), baseline: median(b) };
}

const rows: [string, string, string, boolean][] = [];
const row = (figure: string, measured: string, target: string, ok: boolean) => rows.push([figure, measured, target, ok]);
const ms = (value: number) => `${value.toFixed(1)} ms`;

/** The bytes of dist/ a step loads, from the paths scripts/record-loads.ts wrote. */
async function loadedBytes(inputs: Record<string, string>, env: Record<string, string> = {}): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'venice-key-bench-'));
  const list = join(dir, 'loads');
  try {
    await runStep('main', {
      inputs,
      env: { ...env, LOADS_FILE: list, NODE_OPTIONS: `--import=${join(import.meta.dirname, 'record-loads.ts')}` },
    });
    return readFileSync(list, 'utf8')
      .split('\n')
      .filter(Boolean)
      .reduce((sum, file) => sum + statSync(file).size, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const emulator = await new VeniceEmulator().start();
try {
  // Idle post step: a job whose main minted nothing.
  const idle = await interleaved(
    () => timeProcess([join(DIST, 'post.js')]),
    () => timeProcess(['-e', '0']),
  );
  const idleRatio = idle.subject / idle.baseline;
  row('idle post step vs node -e 0', `${ms(idle.subject)} vs ${ms(idle.baseline)} = ${idleRatio.toFixed(2)}x`, '<= 1.2x', idleRatio <= 1.2);

  // Verify: one authenticated GET, against a bare fetch of the same URL.
  const url = `${emulator.url}/api_keys/rate_limits`;
  const verifyEnv = {
    'INPUT_API-KEY': emulator.inferenceKey,
    'INPUT_BASE-URL': emulator.url,
    GITHUB_OUTPUT: '/dev/null',
    GITHUB_STATE: '/dev/null',
  };
  const fetchScript = `const r = await fetch(process.env.URL, { headers: { authorization: 'Bearer ' + process.env.KEY } }); await r.text(); if (r.status !== 200) process.exit(1);`;
  const verify = await interleaved(
    () => timeProcess([join(DIST, 'main.js')], verifyEnv),
    () => timeProcess(['--input-type=module', '-e', fetchScript], { URL: url, KEY: emulator.inferenceKey }),
  );
  const verifyRatio = verify.subject / verify.baseline;
  row(
    'verify vs bare fetch of the same URL',
    `${ms(verify.subject)} vs ${ms(verify.baseline)} = ${verifyRatio.toFixed(2)}x`,
    '<= 1.25x',
    verifyRatio <= 1.25,
  );

  // What each path loads of dist/: the toolkit and the client, never undici or Octokit unless needed.
  const base = { 'base-url': emulator.url };
  const verifyBytes = await loadedBytes({ ...base, 'api-key': emulator.inferenceKey });
  const mintBytes = await loadedBytes({ ...base, 'admin-key': emulator.adminKey, revoke: 'false' });
  const kb = (value: number) => `${(value / 1024).toFixed(0)} KB`;
  row(
    'dist/ loaded by verify / mint',
    `${kb(verifyBytes)} / ${kb(mintBytes)}`,
    '<= 100 KB each',
    verifyBytes <= 100 * 1024 && mintBytes <= 100 * 1024,
  );

  // Bundle: every file the runner may load for main and post.
  const files = readdirSync(DIST).filter((name) => name.endsWith('.js'));
  const bytes = files.reduce((sum, name) => sum + statSync(join(DIST, name)).size, 0);
  row('bundle (all of dist/*.js)', `${kb(bytes)} in ${files.length} files`, '<= 1 MB', bytes <= 1024 * 1024);
  // Each copy of undici embeds its two llhttp WebAssembly builds, base64 ("AGFzbQ" is the wasm magic).
  const wasmBlobs = files.reduce((sum, name) => sum + (readFileSync(join(DIST, name), 'utf8').match(/AGFzbQ/g)?.length ?? 0), 0);
  row('copies of undici in the bundle', String(wasmBlobs / 2), '1', wasmBlobs === 2);

  // Requests per operation on the happy path; the post step reads the key (what it spent) before deleting it,
  // then the rate-limit log once (which limits it ran into).
  const count = async (work: () => Promise<unknown>) => {
    const before = emulator.log.length;
    await work();
    return emulator.log.length - before;
  };
  const verifyRequests = await count(() => runStep('main', { inputs: { ...base, 'api-key': emulator.inferenceKey } }));
  let state: Record<string, string> = {};
  const inputs = { ...base, 'admin-key': emulator.adminKey };
  const mintRequests = await count(async () => {
    state = (await runStep('main', { inputs })).state;
  });
  const postRequests = await count(() => runStep('post', { inputs, state }));
  row(
    'requests: verify / mint / post',
    `${verifyRequests} / ${mintRequests} / ${postRequests}`,
    '1 / 1 / 3',
    verifyRequests === 1 && mintRequests === 1 && postRequests === 3,
  );
} finally {
  await emulator.stop();
}

if (!values['skip-burst']) {
  const burst = await runBurst(30, 3_000, 20);
  row(
    'burst: 30 jobs, 20 creations per 3 s window',
    `${burst.succeeded}/30 ok, ${burst.posts} POSTs, wall ${(burst.wallMs / 1000).toFixed(1)} s vs floor ${(burst.floorMs / 1000).toFixed(1)} s`,
    'all ok, <= 45 POSTs, 0 keys left',
    burst.succeeded === 30 && burst.posts <= 45 && burst.keysLeft === 0,
  );
}

const widths = [0, 1, 2].map((column) =>
  Math.max(...rows.map((r) => String(r[column]).length), ['figure', 'measured', 'target'][column]!.length),
);
const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ');
console.log(`Node ${process.version}, medians of ${RUNS} interleaved runs each\n`);
console.log(line(['figure', 'measured', 'target', 'met']));
for (const [figure, measured, target, ok] of rows) console.log(line([figure, measured, target, ok ? 'yes' : 'NO']));
