/**
 * `npm run bench`: what the action costs a workflow, measured on the emulator under
 * Node 24 and printed against its targets. Each figure is a median of interleaved
 * runs with its baseline, so machine noise hits both alike. Prints; asserts nothing.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
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

const emulator = await new VeniceEmulator().start();
try {
  // Idle post step: a job whose main minted nothing.
  const idle = await interleaved(
    () => timeProcess([join(DIST, 'post.js')]),
    () => timeProcess(['-e', '0']),
  );
  const idleRatio = idle.subject / idle.baseline;
  row('idle post step vs node -e 0', `${ms(idle.subject)} vs ${ms(idle.baseline)} = ${idleRatio.toFixed(2)}x`, '<= 1.5x', idleRatio <= 1.5);

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
    '<= 1.3x',
    verifyRatio <= 1.3,
  );

  // Bundle: every file the runner may load for main and post.
  const files = readdirSync(DIST).filter((name) => name.endsWith('.js'));
  const bytes = files.reduce((sum, name) => sum + statSync(join(DIST, name)).size, 0);
  row('bundle (all of dist/*.js)', `${(bytes / 1024).toFixed(0)} KB in ${files.length} files`, '<= 600 KB', bytes <= 600 * 1024);
  // Each copy of undici embeds its two llhttp WebAssembly builds, base64 ("AGFzbQ" is the wasm magic).
  const wasmBlobs = files.reduce((sum, name) => sum + (readFileSync(join(DIST, name), 'utf8').match(/AGFzbQ/g)?.length ?? 0), 0);
  row('copies of undici in the bundle', String(wasmBlobs / 2), '1', wasmBlobs === 2);

  // Requests per operation on the happy path.
  const count = async (work: () => Promise<unknown>) => {
    const before = emulator.log.length;
    await work();
    return emulator.log.length - before;
  };
  const verifyRequests = await count(() => runStep('main', { inputs: { 'base-url': emulator.url, 'api-key': emulator.inferenceKey } }));
  let state: Record<string, string> = {};
  const inputs = { 'base-url': emulator.url, 'admin-key': emulator.adminKey };
  const mintRequests = await count(async () => {
    state = (await runStep('main', { inputs })).state;
  });
  const postRequests = await count(() => runStep('post', { inputs, state }));
  row(
    'requests: verify / mint / post',
    `${verifyRequests} / ${mintRequests} / ${postRequests}`,
    '1 / 1 / 1',
    verifyRequests === 1 && mintRequests === 1 && postRequests === 1,
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
