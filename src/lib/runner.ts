import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { EOL } from 'node:os';

/**
 * The action's side of the runner protocol: workflow commands on stdout
 * (`::add-mask::`, `::error::`, …) and file commands (GITHUB_OUTPUT, GITHUB_STATE,
 * GITHUB_ENV, GITHUB_STEP_SUMMARY), written as @actions/core writes them.
 *
 * Why not @actions/core: version 3 imports @actions/http-client, and with it all of
 * undici (plus @actions/exec and @actions/io), for helpers this action never calls
 * (OIDC tokens, platform details). As long as it is loaded, so is undici's whole entry,
 * and verify stays at 1.3-1.4x a bare fetch; without it, loading only the parts of
 * undici we use (src/lib/http.ts) brings that to about 1.0x. See the README.
 */

type Properties = Record<string, string | number | undefined>;

const escapeData = (text: string) => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (text: string) => escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');

function command(name: string, properties: Properties, message: string): void {
  const props = Object.entries(properties)
    .filter(([, value]) => value !== undefined && value !== '')
    .map(([key, value]) => `${key}=${escapeProperty(String(value))}`)
    .join(',');
  process.stdout.write(`::${name}${props ? ` ${props}` : ''}::${escapeData(message)}${EOL}`);
}

/** Appends `name<<delimiter` … `delimiter` to the runner's file, or falls back to the old stdout command. */
function fileCommand(file: 'OUTPUT' | 'STATE' | 'ENV', fallback: string, name: string, value: string): void {
  const path = process.env[`GITHUB_${file}`];
  if (!path) {
    command(fallback, { name }, value);
    return;
  }
  const delimiter = `ghadelimiter_${randomUUID()}`;
  if (name.includes(delimiter) || value.includes(delimiter)) throw new Error(`Unexpected input: ${name} contains the delimiter`);
  appendFileSync(path, `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`, 'utf8');
}

/** Registers a value with the runner so that every later log line shows it as `***`. */
export function setSecret(secret: string): void {
  command('add-mask', {}, secret);
}

export function setOutput(name: string, value: string | number): void {
  fileCommand('OUTPUT', 'set-output', name, String(value));
}

/** Hands a value to this action's post step, which reads it as `STATE_<name>`. */
export function saveState(name: string, value: string): void {
  fileCommand('STATE', 'save-state', name, value);
}

export function getState(name: string): string {
  return process.env[`STATE_${name}`] ?? '';
}

/** Sets an environment variable for this step and every later step of the job. */
export function exportVariable(name: string, value: string): void {
  process.env[name] = value;
  fileCommand('ENV', 'set-env', name, value);
}

export function info(message: string): void {
  process.stdout.write(`${message}${EOL}`);
}

/** Shown only when step debug logging is on (ACTIONS_STEP_DEBUG). */
export function debug(message: string): void {
  command('debug', {}, message);
}

export function warning(message: string, properties: { title?: string } = {}): void {
  command('warning', properties, message);
}

export function error(message: string, properties: { title?: string } = {}): void {
  command('error', properties, message);
}

/** Reports the error and makes the step fail when the process exits. */
export function setFailed(message: string): void {
  process.exitCode = 1;
  error(message);
}

/** Appends Markdown/HTML to the job's summary page; a no-op outside a runner. */
export function appendSummary(text: string): void {
  const path = process.env.GITHUB_STEP_SUMMARY;
  if (path) appendFileSync(path, text, 'utf8');
}
