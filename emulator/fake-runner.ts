/**
 * A stand-in for the GitHub Actions runner, the action's other neighbour. It runs the built
 * action (dist/) the way the runner does: a child `node` process with
 * INPUT_* variables (hyphens kept), file commands in GITHUB_OUTPUT / GITHUB_STATE /
 * GITHUB_ENV / GITHUB_STEP_SUMMARY, and for the post step, main's state as STATE_*.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const DIST = resolve(import.meta.dirname, '../dist');

export interface StepResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  env: Record<string, string>;
  summary: string;
}

export interface StepOptions {
  inputs?: Record<string, string>;
  state?: Record<string, string>;
  env?: Record<string, string>;
  /** Called once the process has started, e.g. to signal it. */
  onSpawn?: (child: ChildProcess, output: () => string) => void;
}

/**
 * Reads a file-command file as the runner does: `name=value` lines, and
 * `name<<DELIMITER` blocks whose value runs to the line that is exactly DELIMITER. A line
 * ends at LF, and on Windows also at CRLF, where @actions/core ends lines with os.EOL
 * (`\r\n`): the runner strips the CR there, and keeps a multi-line value's own line ends
 * as written. Empty lines are skipped; anything else is an error, as it fails the step.
 */
export function parseFileCommands(text: string, platform: NodeJS.Platform = process.platform): Record<string, string> {
  const values: Record<string, string> = {};
  let index = 0;
  /** The next line and the line end it had (none at the end of the text), or undefined after the last. */
  const readLine = (): { line: string; newline: string } | undefined => {
    if (index >= text.length) return undefined;
    const start = index;
    const lf = text.indexOf('\n', index);
    if (lf < 0) {
      index = text.length;
      return { line: text.slice(start), newline: '' };
    }
    const crlf = platform === 'win32' ? text.indexOf('\r\n', index) : -1;
    if (crlf >= 0 && crlf < lf) {
      index = crlf + 2;
      return { line: text.slice(start, crlf), newline: '\r\n' };
    }
    index = lf + 1;
    return { line: text.slice(start, lf), newline: '\n' };
  };
  for (let next = readLine(); next; next = readLine()) {
    const { line } = next;
    if (line === '') continue;
    const equals = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    if (equals >= 0 && (heredoc < 0 || equals < heredoc)) {
      values[line.slice(0, equals)] = line.slice(equals + 1);
    } else if (heredoc > 0 && line.length > heredoc + 2 && (equals < 0 || heredoc < equals)) {
      const delimiter = line.slice(heredoc + 2);
      const start = index;
      let end = index;
      for (let value = readLine(); value?.line !== delimiter; value = readLine()) {
        if (!value) throw new Error(`Invalid value. Matching delimiter not found '${delimiter}'`);
        if (!value.newline) throw new Error('Invalid value. EOF marker missing new line.');
        end = index - value.newline.length;
      }
      values[line.slice(0, heredoc)] = text.slice(start, end);
    } else {
      throw new Error(`Invalid format '${line}'`);
    }
  }
  return values;
}

/** What a Windows process needs from its parent's environment to start Node and open sockets. */
const WINDOWS_ESSENTIALS = ['SystemRoot', 'windir', 'TEMP', 'TMP', 'USERPROFILE', 'PATHEXT', 'ComSpec'];

export async function runStep(step: 'main' | 'post', options: StepOptions = {}): Promise<StepResult> {
  const dir = mkdtempSync(join(tmpdir(), 'venice-key-step-'));
  const files = {
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STATE: join(dir, 'state'),
    GITHUB_ENV: join(dir, 'env'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary'),
  };
  for (const file of Object.values(files)) writeFileSync(file, '');
  const env: Record<string, string> = {
    ...(process.platform === 'win32'
      ? Object.fromEntries(
          WINDOWS_ESSENTIALS.filter((name) => process.env[name] !== undefined).map((name) => [name, process.env[name] as string]),
        )
      : {}),
    PATH: process.env.PATH ?? '',
    HOME: dir,
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'octo-org/octo-repo',
    GITHUB_RUN_ID: '1234567890',
    GITHUB_RUN_ATTEMPT: '1',
    RUNNER_DEBUG: '1',
    ...files,
    ...options.env,
  };
  for (const [name, value] of Object.entries(options.inputs ?? {})) env[`INPUT_${name.toUpperCase()}`] = value;
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value;

  const child = spawn(process.execPath, [join(DIST, `${step}.js`)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  options.onSpawn?.(child, () => stdout);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) => child.on('close', (c, s) => done([c, s])));
  const read = (file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return ''; // a test may point a file command somewhere unwritable on purpose
    }
  };
  const result: StepResult = {
    code,
    signal,
    stdout,
    stderr,
    outputs: parseFileCommands(read(env.GITHUB_OUTPUT as string)),
    state: parseFileCommands(read(env.GITHUB_STATE as string)),
    env: parseFileCommands(read(env.GITHUB_ENV as string)),
    summary: read(env.GITHUB_STEP_SUMMARY as string),
  };
  rmSync(dir, { recursive: true, force: true });
  return result;
}

/** A job's life for this action: the main step, then the post step with main's state. */
export async function runJob(options: StepOptions & { postEnv?: Record<string, string> } = {}) {
  const main = await runStep('main', options);
  const post = await runStep('post', { inputs: options.inputs, state: main.state, env: { ...options.env, ...options.postEnv } });
  return { main, post };
}

export interface Annotation {
  kind: 'error' | 'warning' | 'notice';
  message: string;
  title?: string;
}

export interface RenderedLog {
  /** What a person sees in the step's log, masks applied. */
  lines: string[];
  annotations: Annotation[];
  /** Every workflow command the runner obeyed, by name, in order. */
  commands: string[];
  /** The values masked by the end of the step. */
  masks: Set<string>;
}

const unescapeData = (text: string) => text.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
const unescapeProperty = (text: string) => unescapeData(text).replace(/%3A/gi, ':').replace(/%2C/gi, ',');

/**
 * The log as the runner renders it. Lines end at \n, \r\n or a lone \r (as .NET reads
 * them). A command is `::name props::data` at the start of a line after leading spaces,
 * or the older `##[name]data` anywhere in a line. `::add-mask::` registers a value that
 * every later line shows as `***`; `::stop-commands::TOKEN` makes the runner print
 * commands as text until `::TOKEN::`. Debug lines appear only with step debugging on.
 */
export function renderLog(stdout: string, options: { debug?: boolean; masks?: Iterable<string> } = {}): RenderedLog {
  const masks = new Set(options.masks ?? []);
  const log: RenderedLog = { lines: [], annotations: [], commands: [], masks };
  const show = (text: string) => {
    let shown = text;
    for (const mask of [...masks].sort((a, b) => b.length - a.length)) shown = shown.split(mask).join('***');
    if (shown) log.lines.push(shown);
  };
  let stopToken: string | undefined;
  for (const line of stdout.split(/\r\n|\r|\n/)) {
    const trimmed = line.trimStart();
    if (stopToken !== undefined) {
      if (trimmed === `::${stopToken}::`) {
        stopToken = undefined;
        log.commands.push('resume-commands');
      } else show(line);
      continue;
    }
    const v1 = /^::([A-Za-z-]+)(?: ([^:]*))?::(.*)$/.exec(trimmed);
    const v2 = v1 ? undefined : /##\[([A-Za-z-]+)(?: ([^\]]*))?\](.*)$/.exec(line);
    const command = v1 ?? v2;
    if (!command) {
      show(line);
      continue;
    }
    const name = (command[1] as string).toLowerCase();
    const properties = Object.fromEntries(
      (command[2] ?? '')
        .split(v1 ? ',' : ';')
        .filter(Boolean)
        .map((pair) => [pair.slice(0, pair.indexOf('=')), unescapeProperty(pair.slice(pair.indexOf('=') + 1))]),
    );
    const data = unescapeData(command[3] ?? '');
    log.commands.push(name);
    switch (name) {
      case 'add-mask':
        if (data) masks.add(data);
        break;
      case 'stop-commands':
        stopToken = data;
        break;
      case 'error':
      case 'warning':
      case 'notice': {
        const annotation: Annotation = { kind: name, message: data };
        if (properties.title) annotation.title = properties.title;
        log.annotations.push(annotation);
        show(`${name[0]?.toUpperCase()}${name.slice(1)}: ${data}`);
        break;
      }
      case 'debug':
        if (options.debug) show(`##[debug]${data}`);
        break;
      case 'group':
        show(`▸ ${data}`);
        break;
      default:
        // endgroup, echo, and the retired set-output / save-state / set-env / add-path.
        break;
    }
  }
  return log;
}
