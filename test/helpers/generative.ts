/**
 * Seeds and run counts for the generative tests (fast-check). Fixed by default, so that
 * `npm test` explores the same cases every time and a failure reproduces; set
 * `FC_SEED` (and `FC_RUNS`) to explore elsewhere. A failure prints its seed and path:
 * rerun with `FC_SEED=<seed> FC_PATH=<path>` to replay the shrunk counterexample.
 */
export const DEFAULT_SEED = 160_016;

function numberFromEnv(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new Error(`${name} must be a whole number, not '${raw}'.`);
  return value;
}

export interface GenerativeParameters {
  seed: number;
  numRuns: number;
  path?: string;
}

/** fast-check parameters for a property that runs `runs` cases by default. */
export function generative(runs: number): GenerativeParameters {
  const params: GenerativeParameters = {
    seed: numberFromEnv('FC_SEED') ?? DEFAULT_SEED,
    numRuns: numberFromEnv('FC_RUNS') ?? runs,
  };
  if (process.env.FC_PATH) params.path = process.env.FC_PATH;
  return params;
}
