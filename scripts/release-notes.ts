/**
 * `node scripts/release-notes.ts v1.2.3 [CHANGELOG.md]`: prints that version's section of
 * the changelog, the body of a GitHub release. The release workflow runs it, and it fails
 * when the tag has no dated section, so that nothing is released without its notes.
 *
 * A section is `## X.Y.Z - YYYY-MM-DD` and runs to the next `## ` heading. `## Unreleased`
 * at the top gathers changes until a version is cut.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const VERSION = /^v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$/;

export interface ReleaseSection {
  version: string;
  date: string;
  notes: string;
}

/** The section of `changelog` for `tag` (`v1.2.3` or `1.2.3`), or an error that says what to fix. */
export function releaseSection(changelog: string, tag: string): ReleaseSection {
  const version = VERSION.exec(tag)?.[1];
  if (!version) throw new Error(`'${tag}' is not a version tag like v1.2.3.`);
  const lines = changelog.split(/\r?\n/);
  const start = lines.findIndex((line) => line.startsWith(`## ${version}`) && ['', ' ', '('].includes(line.charAt(3 + version.length)));
  if (start === -1) throw new Error(`CHANGELOG.md has no section '## ${version} - YYYY-MM-DD'. Add one before tagging ${tag}.`);
  const heading = lines[start] as string;
  const dated = new RegExp(`^## ${version.replace(/\./g, '\\.')} - (\\d{4}-\\d{2}-\\d{2})$`).exec(heading);
  if (!dated) throw new Error(`CHANGELOG.md's heading '${heading}' is not dated: write it as '## ${version} - YYYY-MM-DD'.`);
  const date = dated[1] as string;
  if (Number.isNaN(Date.parse(`${date}T00:00:00Z`))) throw new Error(`CHANGELOG.md's heading '${heading}' has no real date.`);
  const next = lines.findIndex((line, index) => index > start && line.startsWith('## '));
  const notes = lines
    .slice(start + 1, next === -1 ? undefined : next)
    .join('\n')
    .trim();
  if (!notes) throw new Error(`CHANGELOG.md's section for ${version} is empty.`);
  return { version, date, notes };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [tag = '', path = join(import.meta.dirname, '..', 'CHANGELOG.md')] = process.argv.slice(2);
  try {
    process.stdout.write(`${releaseSection(readFileSync(path, 'utf8'), tag).notes}\n`);
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 1;
  }
}
