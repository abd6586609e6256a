/**
 * Registers the configured human (coordination.humanId) among the directory's
 * humans once the window acts as it, so agents can write to `@human` and
 * `coord humans` lists it.
 */
import * as vscode from 'vscode';
import { Disposable } from '../common/dispose';
import { errorMessage } from '../common/reportError';
import { CoordinationService } from './coordinationService';

export class HumanRegistration extends Disposable {
  private registering: string | null = null;

  constructor(private readonly service: CoordinationService) {
    super();
    this._register(service.onDidChange(() => void this.register()));
  }

  private async register(): Promise<void> {
    const id = configuredHumanId();
    const service = this.service;
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
}

export function configuredHumanId(): string {
  return vscode.workspace.getConfiguration('coordination').get<string>('humanId', '').trim();
}
