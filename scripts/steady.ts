/**
 * `npm run test:steady`: the whole suite three times in a row with two CPU-bound
 * processes beside it, as a busy CI machine would run it. Tests must not depend on the
 * machine's speed; this is how that is checked. Exits non-zero on the first red run.
 */
import { type ChildProcess, spawn } from 'node:child_process';

const RUNS = Number(process.env.STEADY_RUNS ?? 3);
const BURNERS = Number(process.env.STEADY_BURNERS ?? 2);

const burners: ChildProcess[] = Array.from({ length: BURNERS }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
const stop = () => {
  for (const burner of burners) burner.kill('SIGKILL');
};
// Whichever way this script ends (process.exit, a red run, Ctrl-C), the burners end with it.
process.on('exit', stop);
process.on('SIGINT', () => process.exit(130));

for (let run = 1; run <= RUNS; run++) {
  const started = Date.now();
  console.log(`steady: run ${run} of ${RUNS}, with ${BURNERS} CPU-bound process(es) beside it`);
  // `npm run` puts the project's vitest on PATH.
  const code = await new Promise<number>((resolve) => {
    spawn('vitest', ['run'], { stdio: 'inherit' }).on('exit', (exit, signal) => resolve(exit ?? (signal ? 1 : 0)));
  });
  console.log(`steady: run ${run} ${code === 0 ? 'passed' : 'FAILED'} in ${Math.round((Date.now() - started) / 1000)} s`);
  if (code !== 0) process.exit(code);
}
console.log(`steady: ${RUNS} of ${RUNS} runs passed under load`);
// The burners keep the event loop alive: end them, and this script, explicitly.
process.exit(0);
