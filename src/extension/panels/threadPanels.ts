/** The open thread panels, one per room or DM conversation, reused when reopened and updated on every change. */
import * as vscode from 'vscode';
import { Disposable } from '../common/dispose';
import { CoordinationService } from '../service/coordinationService';
import { ThreadPanel, normaliseTarget } from './threadPanel';

export class ThreadPanels extends Disposable {
  private readonly panels = new Map<string, ThreadPanel>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly service: CoordinationService,
  ) {
    super();
    this._register(
      service.onDidChange(() => {
        for (const p of this.panels.values()) p.update();
      }),
    );
    this._register({ dispose: () => [...this.panels.values()].forEach((p) => p.dispose()) });
  }

  /** Opens (or reveals) the panel of "#room" / "@peer", optionally scrolled to a message key. */
  open(target: string, reveal?: string): ThreadPanel {
    const key = normaliseTarget(target);
    let panel = this.panels.get(key.toLowerCase());
    if (panel) {
      panel.reveal();
    } else {
      panel = new ThreadPanel(this.extensionUri, this.service, key, () => this.panels.delete(key.toLowerCase()));
      this.panels.set(key.toLowerCase(), panel);
    }
    if (reveal) panel.revealMessage(reveal);
    return panel;
  }

  get(target: string): ThreadPanel | undefined {
    return this.panels.get(normaliseTarget(target).toLowerCase());
  }

  all(): ThreadPanel[] {
    return [...this.panels.values()];
  }
}
