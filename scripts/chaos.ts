/**
 * `npm run chaos -- --runs 500`: the chaos property (test/chaos) over many seeded fault
 * schedules, for a soak on demand; CI runs a few from a fixed seed. `npm test` leaves it out. Options:
 *   --runs N    schedules per flow (default 100)
 *   --seed S    start from this seed (default: a new one, printed)
 *   --path P    replay one failing case (with its --seed), as a failure prints them
 *   --flow job|handoff   only one of the two flows
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '100' },
    seed: { type: 'string' },
    path: { type: 'string' },
    flow: { type: 'string' },
  },
});

const seed = values.seed ?? String(Math.floor(Math.random() * 2 ** 31));
const runs = values.runs;
console.log(`chaos: ${runs} schedule(s) per flow from seed ${seed}${values.path ? `, path ${values.path}` : ''}`);

const env: NodeJS.ProcessEnv = { ...process.env, CHAOS_RUNS: runs, CHAOS_SEED: seed };
if (values.path) env.CHAOS_PATH = values.path;
const files = values.flow ? [`test/chaos/${values.flow === 'job' ? 'mint-post' : 'handoff'}.test.ts`] : ['test/chaos'];

// `npm run` puts the project's vitest on PATH.
const child = spawn('vitest', ['run', ...files], { env, stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
