/** Read-only markdown documents (System Status, System Summary, Action Log) under the coordination-doc: scheme. */
import * as vscode from 'vscode';
import { Disposable } from '../common/dispose';

export const DOC_SCHEME = 'coordination-doc';

export class ReportDocuments extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly contents = new Map<string, string>();
  private readonly emitter = this._register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.emitter.event;

  constructor() {
    super();
    this._register(vscode.workspace.registerTextDocumentContentProvider(DOC_SCHEME, this));
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.path) ?? '';
  }

  /** Opens (or updates) the document `name` with `markdown`. */
  async show(name: string, markdown: string): Promise<vscode.TextEditor> {
    const uri = vscode.Uri.from({ scheme: DOC_SCHEME, path: `/${name}.md` });
    this.contents.set(uri.path, markdown + '\n');
    this.emitter.fire(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    return vscode.window.showTextDocument(doc, { preview: true });
  }
}
