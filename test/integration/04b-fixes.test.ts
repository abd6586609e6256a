import * as assert from 'assert';
import { inertText } from '../../src/extension/model';

describe('text from messages in notifications and prompts', () => {
  it('cannot form a link: "](" is broken, the text otherwise kept', () => {
    const hostile = '@instance-1 [Mark all read](command:coordination.markAllRead) [site](https://example.com) [x] (y) <b>b</b>';
    const shown = inertText(hostile);
    assert.ok(!/\]\(/.test(shown), shown);
    assert.ok(!/\[[^\]]+\]\((?:https?:|command:|file:)/i.test(shown), shown);
    assert.strictEqual(shown, '@instance-1 [Mark all read] (command:coordination.markAllRead) [site] (https://example.com) [x] (y) <b>b</b>');
    assert.strictEqual(inertText('[a]\n(command:x)'), '[a] (command:x)');
  });

  it('shows bidi controls as visible codes', () => {
    assert.strictEqual(inertText('Invoice \u202Efdp.exe\u202C and \u2067x\u2069 \u200F'), 'Invoice ⟨U+202E⟩fdp.exe⟨U+202C⟩ and ⟨U+2067⟩x⟨U+2069⟩ ⟨U+200F⟩');
  });
});
