/**
 * Typing a command's full palette title ("Coordination: Send Message") must
 * run that command. VS Code's command palette (1.100,
 * platform/quickinput/browser/commandsQuickAccess.ts) keeps every command whose
 * label matches the typed text under or(matchesPrefix, matchesWords,
 * matchesContiguousSubString) and sorts the matches by recent use, then by
 * label; it does not rank an exact title first. (Its tf-idf "similar
 * commands" come after every match, whatever was used recently.) So a title is
 * only safe when typing it matches no other command: below is a port of those three
 * filters (base/common/filters.ts, without the Korean alternate characters our
 * ASCII titles never contain), run over package.json's titles.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

interface Contributed {
  command: string;
  title: string;
  category?: string;
}

const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
  contributes: {
    commands: Contributed[];
    menus: { commandPalette?: Array<{ command: string; when?: string }> };
    viewsContainers: { activitybar: Array<{ id: string; title: string }> };
    views: Record<string, Array<{ id: string; name: string }>>;
  };
};

const SEPARATORS = new Set('()[]{}<>`\'"-/;:,.?!'.split('').map((c) => c.charCodeAt(0)));
const isSeparator = (code: number) => code === 32 || code === 9 || code === 10 || code === 13 || SEPARATORS.has(code);
const charactersMatch = (a: number, b: number) => a === b || (isSeparator(a) && isSeparator(b));

function nextWord(target: string, start: number): number {
  for (let i = start; i < target.length; i++)
    if (isSeparator(target.charCodeAt(i)) || (i > 0 && isSeparator(target.charCodeAt(i - 1)))) return i;
  return target.length;
}

function matchesWordsAt(word: string, target: string, wordIndex: number, targetIndex: number): boolean {
  if (wordIndex === word.length) return true;
  if (targetIndex === target.length) return false;
  if (!charactersMatch(word.charCodeAt(wordIndex), target.charCodeAt(targetIndex))) return false;
  let next = targetIndex + 1;
  if (matchesWordsAt(word, target, wordIndex + 1, next)) return true;
  while ((next = nextWord(target, next)) < target.length) {
    if (matchesWordsAt(word, target, wordIndex + 1, next)) return true;
    next++;
  }
  return false;
}

function matchesWords(word: string, target: string): boolean {
  const w = word.toLowerCase();
  const t = target.toLowerCase();
  for (let i = 0; i < t.length; i = nextWord(t, i + 1)) if (matchesWordsAt(w, t, 0, i)) return true;
  return false;
}

/** Whether the palette lists the command labelled `label` when `typed` is in the box. */
export function paletteMatches(typed: string, label: string): boolean {
  const q = typed.trim();
  return (
    label.toLowerCase().startsWith(q.toLowerCase()) ||
    matchesWords(q, label) ||
    label.toLowerCase().includes(q.toLowerCase())
  );
}

/** The commands the palette shows, with the label it shows for each. */
function paletteCommands(): Array<{ command: string; label: string }> {
  const hidden = new Set(
    (pkg.contributes.menus.commandPalette ?? []).filter((m) => m.when === 'false').map((m) => m.command),
  );
  return pkg.contributes.commands
    .filter((c) => !hidden.has(c.command))
    .map((c) => ({ command: c.command, label: c.category ? `${c.category}: ${c.title}` : c.title }));
}

/** The palette commands VS Code adds for our views ("Coordination: Focus on Chatrooms View", "View: Show …"). */
function viewCommands(): string[] {
  const labels: string[] = [];
  for (const container of pkg.contributes.viewsContainers.activitybar) {
    labels.push(`View: Show ${container.title}`);
    for (const view of pkg.contributes.views[container.id] ?? [])
      labels.push(`${container.title}: Focus on ${view.name} View`);
  }
  return labels;
}

describe('palette titles', () => {
  it('the port of the palette filter agrees with what VS Code shows', () => {
    // Seen in the browser: typing the first lists the second too.
    assert.ok(paletteMatches('Coordination: Send Message', 'Coordination: Send Direct Message'));
    assert.ok(paletteMatches('coord send mess', 'Coordination: Send Message'));
    assert.ok(!paletteMatches('send msg', 'Coordination: Send Message'));
    assert.ok(paletteMatches('Coordination: Mark Read', 'Coordination: Mark All Read'));
    assert.ok(!paletteMatches('Coordination: Mark All Read', 'Coordination: Mark Read'));
    assert.ok(!paletteMatches('Coordination: Open Chatroom', 'Coordination: Reopen Chatroom'));
  });

  it('typing any command title in full lists that command and no other', () => {
    const commands = paletteCommands();
    assert.ok(commands.length >= 20, `only ${commands.length} palette commands`);
    const clashes: string[] = [];
    for (const typed of commands) {
      assert.ok(paletteMatches(typed.label, typed.label), typed.label);
      for (const other of [...commands.map((c) => c.label), ...viewCommands()])
        if (other !== typed.label && paletteMatches(typed.label, other))
          clashes.push(`typing "${typed.label}" also lists "${other}"`);
    }
    assert.deepStrictEqual(clashes, []);
  });

  it('no two commands share a title', () => {
    const labels = paletteCommands().map((c) => c.label.toLowerCase());
    assert.deepStrictEqual(
      labels.filter((l, i) => labels.indexOf(l) !== i),
      [],
    );
  });
});
