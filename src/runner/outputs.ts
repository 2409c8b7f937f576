import * as core from '@actions/core';

/**
 * Outputs and environment variables travel through the runner's files. Without the file,
 * @actions/core falls back to the deprecated stdout commands, which would print a minted
 * key in the log; the runner always sets these variables, so their absence is an error.
 */
export function requireRunnerFile(variable: 'GITHUB_OUTPUT' | 'GITHUB_ENV' | 'GITHUB_STATE'): void {
  if (!process.env[variable]) {
    throw new Error(
      `${variable} is not set, so this step cannot hand values to the runner without printing them. Run the action ` +
        'in a GitHub Actions job (runner 2.297 or later sets it), or set it to a file.',
    );
  }
}

export function setOutput(name: string, value: string | number): void {
  requireRunnerFile('GITHUB_OUTPUT');
  core.setOutput(name, String(value));
}

/** Sets an environment variable for this step and every later step of the job. */
export function exportVariable(name: string, value: string): void {
  requireRunnerFile('GITHUB_ENV');
  core.exportVariable(name, value);
}
