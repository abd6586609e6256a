/**
 * Rebuilds a followed directory's summary in a child process (`coord
 * reindex`) when the core asks (OpenOptions.rebuildSummary): at a million
 * messages a build takes seconds and hundreds of MB, which the extension host
 * should neither block for nor hold. The core answers from the old summary
 * meanwhile; when the child is done, the directory is read again. A
 * directory without a usable summary gets one this way before it is opened.
 */
import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';
import * as vscode from 'vscode';
import { Disposable } from '../common/dispose';

export class SummaryRebuilder extends Disposable {
  private child: ChildProcess | null = null;
  private running: Promise<boolean> | null = null;
  /** Rebuilds started and how each ended (diagnostics, tests). */
  readonly runs: Array<{ startedAt: number; ms?: number; code?: number | null; error?: string }> = [];

  constructor(
    private readonly dir: string,
    private readonly log: vscode.LogOutputChannel,
    private readonly rebuilt: () => void,
  ) {
    super();
    this._register({ dispose: () => this.child?.kill() });
  }

  /**
   * Starts a rebuild unless one is running; the directory is read again when
   * it ends. Settles when it ended, true when the new summary was put in place.
   */
  request(): Promise<boolean> {
    if (this.running || this.isDisposed) return this.running ?? Promise.resolve(false);
    this.log.info('the directory grew past its summary: rebuilding it in a child process');
    return this.run().then((built) => {
      if (!this.isDisposed) this.rebuilt();
      return built;
    });
  }

  /** Builds the summary in a child process (one at a time); true when it was put in place. */
  build(): Promise<boolean> {
    if (this.running || this.isDisposed) return Promise.resolve(false);
    return this.run();
  }

  private run(): Promise<boolean> {
    const run: SummaryRebuilder['runs'][number] = { startedAt: Date.now() };
    this.runs.push(run);
    // dist/extension.js sits beside dist/cli.js; in VS Code the host's executable is Electron, run as node.
    const child = spawn(process.execPath, [path.join(__dirname, 'cli.js'), '--dir', this.dir, '--json', 'reindex'], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child = child;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    this.running = new Promise<boolean>((resolve) => {
      const finish = (code: number | null, error?: string) => {
        if (this.child !== child) return;
        this.child = null;
        this.running = null;
        run.ms = Date.now() - run.startedAt;
        run.code = code;
        if (error || code !== 0) {
          run.error = error ?? (stderr.trim() || `exit code ${code}`);
          this.log.warn(`building the summary in a child process failed: ${run.error}`);
        } else {
          this.log.info(`built the summary in a child process in ${run.ms} ms`);
        }
        resolve(code === 0 && !error);
      };
      child.on('error', (error) => finish(null, error.message));
      child.on('close', (code) => finish(code));
    });
    return this.running;
  }
}
