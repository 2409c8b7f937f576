import * as core from '@actions/core';
import { redact } from '../venice/keys.js';

/**
 * Everything the action prints goes through here. The runner obeys a workflow command
 * at the start of a line (`::name::`, after leading spaces) and the older `##[name]`
 * form anywhere in a line, and `core.info` escapes neither; so every message is
 * redacted and put on one line with both forms defused, whatever text it carries.
 */

const secrets = new Set<string>();

/** Registers a secret with the runner (it shows `***` from now on) and with our own redaction. */
export function mask(secret: string): void {
  if (!secret || secrets.has(secret)) return;
  secrets.add(secret);
  core.setSecret(secret);
}

/** Text without any secret this step knows of, or anything key-shaped. */
export function redacted(text: string): string {
  return redact(text, secrets);
}

/**
 * On one line and without secrets. Redacted before and after joining the lines: a secret
 * may itself span lines, or arrive split by a line break that joining turns into a space.
 */
export function redactedOneLine(text: string): string {
  return redacted(redacted(text).replace(/[\r\n\u2028\u2029\u0085]+/g, ' '));
}

/** Text as the log may show it: nothing key-shaped, one line, no command the runner would run. */
export function loggable(text: string): string {
  return redactedOneLine(text)
    .replace(/##\[/g, '##\\[')
    .replace(/^(\s*)::/, '$1\\::');
}

export const info = (message: string) => core.info(loggable(message));
/** Shown only with step debug logging (ACTIONS_STEP_DEBUG / RUNNER_DEBUG). */
export const debug = (message: string) => core.debug(loggable(message));
export const notice = (message: string, properties?: core.AnnotationProperties) => core.notice(loggable(message), properties);
export const warning = (message: string, properties?: core.AnnotationProperties) => core.warning(loggable(message), properties);
export const error = (message: string, properties?: core.AnnotationProperties) => core.error(loggable(message), properties);

/** What went wrong, in words, whatever was thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Reports the error and makes the step fail. */
export function fail(reason: unknown): void {
  core.setFailed(loggable(messageOf(reason)));
}
