/**
 * For CI on every runner OS: starts the Venice emulator (`emulator/cli.ts`) in the
 * background, waits until it has seeded its keys, and hands the keys and a fresh handoff
 * secret to later steps as masked step outputs (`admin-key`, `inference-key`,
 * `handoff-secret`, `base-url`). The emulator's log goes to `--log`; the runner ends the
 * process when the job ends.
 *
 * A shell's `&` does not serve here: on Windows a background child that inherits the step's
 * output pipe keeps the step open. This detaches the emulator with its output in a file.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import * as core from '@actions/core';

const { values } = parseArgs({ options: { port: { type: 'string', default: '8787' }, log: { type: 'string' } } });
const log = values.log ?? join(process.env.RUNNER_TEMP ?? '.', 'venice-emulator.log');
const output = openSync(log, 'w');
const child = spawn(process.execPath, [join(import.meta.dirname, '../emulator/cli.ts'), '--port', values.port], {
  detached: true,
  stdio: ['ignore', output, output],
  windowsHide: true,
});
child.unref();

const seeded = (text: string, kind: string) => new RegExp(`^Seeded ${kind} key: *(\\S+)`, 'm').exec(text)?.[1];
// Polling a file the emulator writes once at start-up; 30 s is far beyond a slow runner's start.
for (let attempt = 0; attempt < 150; attempt++) {
  const text = readFileSync(log, 'utf8');
  const [admin, inference] = [seeded(text, 'ADMIN'), seeded(text, 'INFERENCE')];
  const url = /^Venice emulator listening: (\S+)/m.exec(text)?.[1];
  if (admin && inference && url) {
    const handoffSecret = randomBytes(32).toString('base64');
    for (const secret of [admin, inference, handoffSecret]) core.setSecret(secret);
    core.setOutput('base-url', url);
    core.setOutput('admin-key', admin);
    core.setOutput('inference-key', inference);
    core.setOutput('handoff-secret', handoffSecret);
    console.log(`Venice emulator listening on ${url} (log: ${log}).`);
    process.exit(0);
  }
  if (child.exitCode !== null) break;
  await sleep(200);
}
core.setFailed(`The Venice emulator did not start; its log (${log}) says:\n${readFileSync(log, 'utf8')}`);
