/**
 * What every `coord` command shares: the global options, opening the
 * directory as the chosen instance, and printing (JSON or human text).
 * A feature adds its commands as a CommandArea in src/cli/commands/ and one
 * line in main.ts.
 */
import { Command, Option } from 'commander';
import { openBackend, serverOptionsFrom, writesSettled, type CoordinationBackend } from '../core';
import { positiveInt } from './args';
import { writeSafeJson } from './jsonOutput';

export interface GlobalOptions {
  dir?: string;
  as?: string;
  json?: boolean;
  /** NATS server (the Server area adds --server and --creds). */
  server?: string;
  creds?: string;
}

/** A group of commands, listed under its title by `coord help`. */
export interface CommandArea {
  title: string;
  register(program: Command): void;
}

export function globals(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

export function emit(global: GlobalOptions, json: unknown, human: () => string): void {
  if (global.json) writeSafeJson(json);
  else print(human());
}

export function emitFor(cmd: Command, json: unknown, human: () => string): void {
  emit(globals(cmd), json, human);
}

const opened: CoordinationBackend[] = [];

/** The directory, or the NATS server when --server / $COORD_SERVER names one (connecting first). */
export async function open(global: GlobalOptions): Promise<CoordinationBackend> {
  const server = serverOptionsFrom({ server: global.server, creds: global.creds });
  const backend = await openBackend({ dir: global.dir, instance: global.as, server, fromSummary: true });
  opened.push(backend);
  return backend;
}

export function openFor(cmd: Command): Promise<CoordinationBackend> {
  return open(globals(cmd));
}

/** Closes what open() connected (a NATS connection keeps the process alive). */
export async function closeOpened(succeeded: boolean): Promise<void> {
  const list = opened.splice(0);
  // The write lock released and a SIGINT/SIGTERM that came during the write acted on, before the caches'
  // long synchronous work (which would otherwise hold back both).
  await writesSettled();
  if (succeeded) for (const b of list) b.persistCaches();
  await Promise.all(list.map((b) => b.close().catch(() => undefined)));
}

export function limitOption(): Option {
  return new Option('--limit <n>', 'only the last N').argParser((v) => positiveInt(v, '--limit'));
}
