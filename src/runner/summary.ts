import * as core from '@actions/core';
import { messageOf, redactedOneLine, warning } from './log.js';

/**
 * The job summary is Markdown with HTML. Text from Venice or from other keys on the
 * account is written as data, without secrets: on one line (a blank line would end the HTML block and
 * start Markdown), with HTML and Markdown punctuation as character references, so it
 * can neither close the table nor become a link, an image or emphasis.
 */
export function summaryText(text: string): string {
  // Redacted first: once escaped, a key is no longer the text the runner masks.
  return redactedOneLine(text).replace(/[&<>"'`[\]()*_~!#|\\]/g, (char) => `&#${char.charCodeAt(0)};`);
}

export type Cell = string | { html: string };

/**
 * Writes a heading and a table. Plain strings are escaped; `{ html }` cells are markup
 * this action built itself (a link to a run). A summary is a courtesy: failing to write
 * it warns but never fails the step.
 */
export async function writeSummary(title: string, header: string[], rows: Cell[][], note?: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  const cell = (value: Cell) => (typeof value === 'string' ? summaryText(value) : value.html);
  try {
    core.summary
      .addHeading(summaryText(title), 3)
      .addTable([header.map((data) => ({ data: summaryText(data), header: true })), ...rows.map((row) => row.map(cell))]);
    if (note) core.summary.addRaw(`<p>${summaryText(note)}</p>`, true);
    await core.summary.write();
  } catch (error) {
    core.summary.emptyBuffer();
    warning(`Could not write the job summary: ${messageOf(error)}`);
  }
}

/** An anchor to a URL this action built; the text is escaped like any other. */
export function link(text: string, href: string): Cell {
  return { html: `<a href="${href.replace(/[&"<>]/g, (char) => `&#${char.charCodeAt(0)};`)}">${summaryText(text)}</a>` };
}
