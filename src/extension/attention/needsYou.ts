/**
 * Everything "what needs the human" in the extension, created and disposed
 * together: the queue model, the Needs You view, its status-bar item, the
 * notifications, the commands, and the registration of the configured
 * human (coordination.humanId) so agents can address `@human`.
 */
import * as vscode from 'vscode';
import { CoordinationService, errorMessage } from '../service';
import { registerAttentionCommands } from './attentionCommands';
import { NeedsYouModel } from './needsYouModel';
import { NeedsYouNotifier } from './needsYouNotifier';
import { NeedsYouStatusBar } from './needsYouStatusBar';
import { NeedsYouView } from './needsYouView';

export class NeedsYou implements vscode.Disposable {
  readonly model: NeedsYouModel;
  readonly view: NeedsYouView;
  readonly statusBar: NeedsYouStatusBar;
  readonly notifier: NeedsYouNotifier;
  private readonly disposables: vscode.Disposable[] = [];
  private registering: string | null = null;

  constructor(context: vscode.ExtensionContext, service: CoordinationService) {
    this.model = new NeedsYouModel(service);
    this.view = new NeedsYouView(this.model);
    this.statusBar = new NeedsYouStatusBar(this.model);
    this.notifier = new NeedsYouNotifier(this.model, context);
    this.disposables.push(
      this.notifier,
      this.statusBar,
      this.view,
      this.model,
      ...registerAttentionCommands({
        service,
        model: this.model,
        notifier: this.notifier,
        reveal: () => this.view.reveal(),
      }),
      service.onDidChange(() => void this.registerHuman(service)),
    );
  }

  /** Registers coordination.humanId among the directory's humans once the window acts as it. */
  private async registerHuman(service: CoordinationService): Promise<void> {
    const id = configuredHumanId();
    if (!id || !service.loaded || service.identity !== id || this.registering === id) return;
    if (service.coordination.humans().some((h) => h.id === id)) return;
    this.registering = id;
    try {
      await service.write(`registered ${id} as a human`, (c) => c.registerHuman(id));
    } catch (error) {
      service.log.warn(`could not register ${id} as a human: ${errorMessage(error)}`);
    } finally {
      this.registering = null;
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

export function configuredHumanId(): string {
  return vscode.workspace.getConfiguration('coordination').get<string>('humanId', '').trim();
}
