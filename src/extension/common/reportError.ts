/**
 * The extension's errors: a one-line UserError for what the user can fix, a
 * Cancelled for a dismissed prompt, and the one reportError() that logs and
 * shows any error the same way wherever it happened.
 */
import * as vscode from 'vscode';
import { isCoordError } from '../../core';

/** An error the user caused, shown as one line. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** The user dismissed a prompt: not an error. */
export class Cancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

export function isUserError(error: unknown): boolean {
  return isCoordError(error) || error instanceof UserError;
}

export function errorMessage(error: unknown): string {
  if (isUserError(error)) return (error as Error).message;
  if (error instanceof Error) return error.message.split('\n')[0];
  return String(error);
}

/**
 * Logs `error` (a user error as info, anything else with its stack) under
 * `where`, shows its one line, and returns that line.
 */
export function reportError(log: vscode.LogOutputChannel, where: string, error: unknown): string {
  const text = errorMessage(error);
  if (isUserError(error)) log.info(`${where}: ${text}`);
  else log.error(`${where}: ${error instanceof Error ? (error.stack ?? text) : text}`);
  void vscode.window.showErrorMessage(text);
  return text;
}
