/**
 * The base of every class that owns listeners, emitters or VS Code objects:
 * what it _register()s is disposed with it, in reverse order (as in
 * vscode-extension-samples' custom-editor-sample/src/dispose.ts).
 */
import * as vscode from 'vscode';

export function disposeAll(disposables: vscode.Disposable[]): void {
  while (disposables.length) disposables.pop()?.dispose();
}

export abstract class Disposable implements vscode.Disposable {
  private disposed = false;
  private readonly owned: vscode.Disposable[] = [];

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    disposeAll(this.owned);
  }

  /** Disposes `value` with this object (at once when this one is already disposed). */
  protected _register<T extends vscode.Disposable>(value: T): T {
    if (this.disposed) value.dispose();
    else this.owned.push(value);
    return value;
  }

  protected get isDisposed(): boolean {
    return this.disposed;
  }
}
