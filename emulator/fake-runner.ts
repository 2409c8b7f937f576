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

/** Reads a file-command file: `name<<DELIMITER\nvalue\nDELIMITER` blocks, or `name=value` lines. */
export function parseFileCommands(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc as unknown as [string, string, string];
      const value: string[] = [];
      while (++i < lines.length && lines[i] !== delimiter) value.push(lines[i] as string);
      values[name] = value.join('\n');
    } else if (line.includes('=')) {
      values[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return values;
}

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
