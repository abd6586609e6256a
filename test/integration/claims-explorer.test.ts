/**
 * Claims in VS Code: the Explorer decorations for claimed, unclaimed,
 * conflicting and expired files, a claim by another `coord` process showing
 * within a second, the edit warning, path:line links, the hover and Send
 * Selection. Claims are made by the real CLI in its own process.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { coordDir, fresh, getApi, REPO_ROOT, waitFor, workspaceDir } from './helpers';

function coord(as: string, ...args: string[]): string {
  const env = { ...process.env };
  delete env.CLAUDE_INSTANCE_ID;
  delete env.ELECTRON_RUN_AS_NODE;
  const node = process.versions.electron ? 'node' : process.execPath;
  const r = spawnSync(node, [path.join(REPO_ROOT, 'dist', 'cli.js'), '--dir', coordDir(), '--as', as, ...args], {
    encoding: 'utf8',
    env,
    timeout: 30_000,
  });
  if (r.status !== 0) throw new Error(`coord ${args.join(' ')} failed (${r.status}): ${r.stderr || r.error}`);
  return r.stdout;
}

const file = (rel: string) => vscode.Uri.file(path.join(workspaceDir(), rel));

function write(rel: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(workspaceDir(), rel)), { recursive: true });
  fs.writeFileSync(path.join(workspaceDir(), rel), text);
}

describe('claims in the Explorer', function () {
  this.timeout(60_000);
  const lines = Array.from({ length: 30 }, (_, i) => `const line${i + 1} = ${i + 1};`).join('\n') + '\n';

  before(async () => {
    await getApi();
    for (const rel of ['claimed/theirs.ts', 'claimed/mine.md', 'clash/old.ts', 'free/open.ts', 'gone/expired.ts'])
      write(rel, lines);
  });

  after(() => {
    for (const who of ['instance-1', 'instance-2', 'instance-3', 'instance-4']) {
      try {
        coord(who, 'release', '--all');
      } catch {
        /* held nothing */
      }
    }
  });

  it('decorates claimed, unclaimed, conflicting and expired files (and the folders above them)', async () => {
    const api = await getApi();
    const deco = api.claims.view.decorations;
    coord('instance-2', 'claim', 'claimed/theirs.ts', '--exclusive', '--reason', 'token refresh');
    coord('instance-1', 'claim', 'claimed/mine.md');
    coord('instance-3', 'claim', 'clash/**', '--exclusive');
    coord('instance-1', 'claim', 'clash/old.ts', '--force');
    // An expired record left in the file (its holder never released it).
    const claimsFile = path.join(coordDir(), 'data', 'claims.json');
    const stored = JSON.parse(fs.readFileSync(claimsFile, 'utf8'));
    stored.claims.push({
      id: 'feedbeef',
      instance: 'instance-4',
      pattern: 'gone/expired.ts',
      exclusive: true,
      reason: 'long ago',
      created: '2020-01-01T00:00:00.000Z',
      expires: '2020-01-01T02:00:00.000Z',
    });
    fs.writeFileSync(claimsFile, JSON.stringify(stored));
    await waitFor('the four claims loaded', () => api.claims.model.claims().length === 4);

    const theirs = deco.provideFileDecoration(file('claimed/theirs.ts'));
    assert.ok(theirs, 'a file another instance claimed is decorated');
    assert.strictEqual(theirs.badge, '2');
    assert.strictEqual((theirs.color as vscode.ThemeColor).id, 'coordination.claimOthersForeground');
    assert.match(
      theirs.tooltip ?? '',
      /instance-2 exclusive: claimed\/theirs\.ts · token refresh · 1h 59m left|instance-2 exclusive: claimed\/theirs\.ts · token refresh · 2h 00m left/,
    );

    const mine = deco.provideFileDecoration(file('claimed/mine.md'));
    assert.strictEqual(mine?.badge, '1');
    assert.strictEqual((mine?.color as vscode.ThemeColor).id, 'coordination.claimMineForeground');
    assert.match(mine?.tooltip ?? '', /instance-1 \(you\) shared/);

    const folder = deco.provideFileDecoration(file('claimed'));
    assert.strictEqual(folder?.badge, '2', 'the folder shows the other holder');
    assert.strictEqual((folder?.color as vscode.ThemeColor).id, 'coordination.claimOthersForeground');

    const clash = deco.provideFileDecoration(file('clash/old.ts'));
    assert.strictEqual((clash?.color as vscode.ThemeColor).id, 'coordination.claimConflictForeground');
    assert.strictEqual(clash?.badge, '3', 'the other holder of a conflict');
    assert.match(clash?.tooltip ?? '', /in conflict/);

    assert.strictEqual(deco.provideFileDecoration(file('free/open.ts')), undefined, 'unclaimed');
    assert.strictEqual(deco.provideFileDecoration(file('free')), undefined, 'unclaimed folder');
    assert.strictEqual(deco.provideFileDecoration(file('gone/expired.ts')), undefined, 'expired');
    assert.strictEqual(deco.provideFileDecoration(file('README.md')), undefined);
  });

  it('a claim made by another coord process shows within a second, and its release too', async () => {
    const api = await getApi();
    const deco = api.claims.view.decorations;
    const target = file('free/open.ts');
    assert.strictEqual(deco.provideFileDecoration(target), undefined);
    let fired = 0;
    const sub = deco.onDidChangeFileDecorations(() => fired++);
    try {
      coord('instance-4', 'claim', 'free/**', '--exclusive');
      const started = Date.now();
      await waitFor('the badge', () => deco.provideFileDecoration(target)?.badge === '4', 5_000, 10);
      const shownAfter = Date.now() - started;
      assert.ok(shownAfter <= 1000, `shown after ${shownAfter} ms`);
      assert.ok(fired > 0, 'VS Code was told to redraw');

      coord('instance-4', 'release', 'free/**');
      const releasedAt = Date.now();
      await waitFor('the badge gone', () => deco.provideFileDecoration(target) === undefined, 5_000, 10);
      assert.ok(Date.now() - releasedAt <= 1000, `gone after ${Date.now() - releasedAt} ms`);
    } finally {
      sub.dispose();
    }
  });

  it('warns once when the person edits a file another instance holds exclusively', async () => {
    const api = await getApi();
    const doc = await vscode.workspace.openTextDocument(file('claimed/theirs.ts'));
    const editor = await vscode.window.showTextDocument(doc);
    const before = api.claims.warnings.shown.length;
    await editor.edit((e) => e.insert(new vscode.Position(0, 0), '// one\n'));
    await waitFor('the warning', () => api.claims.warnings.shown.length === before + 1);
    assert.strictEqual(api.claims.warnings.shown[before], 'claimed/theirs.ts');
    await editor.edit((e) => e.insert(new vscode.Position(0, 0), '// two\n'));
    const mineDoc = await vscode.workspace.openTextDocument(file('claimed/mine.md'));
    const mineEditor = await vscode.window.showTextDocument(mineDoc);
    await mineEditor.edit((e) => e.insert(new vscode.Position(0, 0), 'x'));
    await new Promise((r) => setTimeout(r, 300));
    assert.strictEqual(api.claims.warnings.shown.length, before + 1, 'once per file, and not for my own claims');
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('the Claims view lists holders and their claims; commands claim and release', async () => {
    const api = await getApi();
    const view = api.claims.view;
    const holders = view.getChildren().map((n) => (n.kind === 'holder' ? n.instance : ''));
    assert.strictEqual(holders[0], 'instance-1', 'you first');
    assert.ok(holders.includes('instance-2') && holders.includes('instance-3'));
    assert.ok(!holders.includes('instance-4'), 'expired and released claims are gone');
    const claimed = await vscode.commands.executeCommand<{ claims: Array<{ pattern: string }> }>(
      'coordination.claimFiles',
      { paths: ['docs/**'], exclusive: false, ttl: '30m', reason: 'writing docs' },
    );
    assert.deepStrictEqual(
      claimed.claims.map((c) => c.pattern),
      ['docs/**'],
    );
    // The view follows the file through the claims model's watcher.
    const docs = await waitFor(
      'docs/** in the Claims view',
      () => {
        const mineNode = view.getChildren().find((n) => n.kind === 'holder' && n.instance === 'instance-1');
        return view
          .getChildren(mineNode)
          .map((n) => view.getTreeItem(n))
          .find((r) => r.label === 'docs/**');
      },
      2000,
    );
    assert.match(String(docs?.description), /^shared · 30m left$|^shared · 29m left$/);
    assert.strictEqual(docs?.contextValue, 'claim.mine');
    await assert.rejects(
      Promise.resolve(
        vscode.commands.executeCommand('coordination.claimFiles', {
          paths: ['claimed/theirs.ts'],
          exclusive: false,
          ttl: '1h',
          reason: '',
        }),
      ),
      /instance-2 holds claimed\/theirs\.ts exclusively/,
    );
    await vscode.commands.executeCommand('coordination.releaseClaims', { patterns: ['docs/**'] });
    assert.ok(
      !JSON.parse(coord('instance-1', '--json', 'claims', '--mine')).some(
        (c: { pattern: string }) => c.pattern === 'docs/**',
      ),
    );
  });

  it('path:line in a message becomes a link (workspace files only) that opens the file at those lines', async () => {
    const api = await getApi();
    coord(
      'instance-2',
      'send',
      '#general',
      'see claimed/theirs.ts:12-14 and free/open.ts:3, not nothere/x.ts:1 or ../etc/passwd.txt:1',
    );
    const panel = api.panels.open('#general');
    const last = await waitFor('the message in the panel', () => {
      for (const p of [...panel.posted].reverse()) {
        if (p.type !== 'messages') continue;
        const m = p.messages.find((x) => x.text.startsWith('see claimed/theirs.ts'));
        if (m) return m;
      }
      return undefined;
    });
    assert.deepStrictEqual(
      (last.codeRefs ?? []).map((r) => [last.text.slice(r.start, r.end), r.path, r.line, r.endLine]),
      [
        ['claimed/theirs.ts:12-14', 'claimed/theirs.ts', 12, 14],
        ['free/open.ts:3', 'free/open.ts', 3, 3],
      ],
    );
    await panel.handle({ type: 'openCodeRef', path: 'claimed/theirs.ts', line: 12, endLine: 14 });
    const editor = await waitFor('the editor', () =>
      vscode.window.activeTextEditor?.document.uri.fsPath === file('claimed/theirs.ts').fsPath
        ? vscode.window.activeTextEditor
        : undefined,
    );
    assert.strictEqual(editor.selection.start.line, 11);
    assert.strictEqual(editor.selection.end.line, 13);
    // A path from the webview is checked again: outside the workspace nothing opens.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await panel.handle({ type: 'openCodeRef', path: '../../etc/passwd', line: 1, endLine: 1 });
    await new Promise((r) => setTimeout(r, 300));
    assert.strictEqual(vscode.window.activeTextEditor, undefined);
  });

  it('a hover on lines a message points at shows the message with a link to its thread', async () => {
    coord('instance-3', 'send', '#general', 'hover here: gone/expired.ts:8-9');
    const uri = file('gone/expired.ts');
    let lastHover = '';
    await Promise.resolve(
      waitFor('the hover', async () => {
        const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
          'vscode.executeHoverProvider',
          uri,
          new vscode.Position(8, 3),
        );
        const text = hovers
          .flatMap((h) => h.contents)
          .map((c) => (typeof c === 'string' ? c : c.value))
          .join('\n');
        // appendText escapes markdown characters; read it as a person would.
        const shown = text.replace(/&nbsp;/g, ' ').replace(/\\(.)/g, '$1');
        lastHover = shown;
        return (
          /instance-3 in #general, .*\(message from another agent\): hover here: gone\/expired\.ts:8-9/.test(shown) &&
          /\[Open thread\]\(command:coordination\.openChatroom\?/.test(text)
        );
      }),
    ).catch((error: Error) => {
      throw new Error(`${error.message}; the hover showed: ${JSON.stringify(lastHover)}`);
    });
    const outside = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      uri,
      new vscode.Position(20, 3),
    );
    const text = outside
      .flatMap((h) => h.contents)
      .map((c) => (typeof c === 'string' ? c : c.value))
      .join('\n');
    assert.ok(!/Coordination/.test(text), 'no hover on lines nobody points at');
  });

  it('Send Selection quotes the file, line range and selected text', async () => {
    const doc = await vscode.workspace.openTextDocument(file('free/open.ts'));
    const editor = await vscode.window.showTextDocument(doc);
    editor.selection = new vscode.Selection(4, 0, 6, 0);
    await vscode.commands.executeCommand('coordination.sendSelection', { target: '#general' });
    const sent = fresh().checkChatroom('general').pop();
    assert.strictEqual(sent?.from, 'instance-1');
    assert.strictEqual(sent?.text, 'free/open.ts:5-6\n```\nconst line5 = 5;\nconst line6 = 6;\n```');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
