import * as core from '@actions/core';

/** Writes a small two-column table to the job summary. Callers never pass a secret. */
export async function writeSummary(title: string, rows: [string, string][]): Promise<void> {
  // Outside a runner (or when the runner has no summary file) there is nowhere to write.
  if (!process.env.GITHUB_STEP_SUMMARY) return;
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
}
