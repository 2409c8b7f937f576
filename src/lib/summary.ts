import * as runner from './runner.js';

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/**
 * Writes a small two-column table to the job summary. Callers never pass a secret.
 * The summary is a courtesy: failing to write it warns but never fails the step.
 */
export function writeSummary(title: string, rows: [string, string][]): void {
  const body = rows.map(([item, value]) => `<tr><td>${escapeHtml(item)}</td><td>${escapeHtml(value)}</td></tr>`).join('');
  try {
    runner.appendSummary(`<h3>${escapeHtml(title)}</h3>\n<table><tr><th>Item</th><th>Value</th></tr>${body}</table>\n`);
  } catch (error) {
    runner.warning(`Could not write the job summary: ${error instanceof Error ? error.message : String(error)}`);
  }
}
