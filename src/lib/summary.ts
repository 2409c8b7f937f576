import * as core from '@actions/core';

/**
 * Writes a small two-column table to the job summary. Callers never pass a secret.
 * The summary is a courtesy: failing to write it warns but never fails the step.
 */
export async function writeSummary(title: string, rows: [string, string][]): Promise<void> {
  // Outside a runner (or when the runner has no summary file) there is nowhere to write.
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  try {
    await core.summary
      .addHeading(title, 3)
      .addTable([
        [
          { data: 'Item', header: true },
          { data: 'Value', header: true },
        ],
        ...rows,
      ])
      .write();
  } catch (error) {
    core.warning(`Could not write the job summary: ${error instanceof Error ? error.message : String(error)}`);
  }
}
