import * as assert from 'assert';
import { ALL_MENTIONED, isAlert, mentionsInstance } from '../../src/core/common/mentions';
import { decodeAttention } from '../../src/core/formats/attentionTags';
import { ACK_TAG, ALERT_TAG, mentionTags, textTags, URGENT_TAG } from '../../src/core/search/textTags';

/** The rule as it was first written, a regular expression per instance: the scanner must agree with it. */
function mentionsByRegex(text: string, instance: string): boolean {
  const escaped = instance.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9._-])@(${escaped}(?![A-Za-z0-9_-])|all\\b)`).test(text);
}

/** A small deterministic generator (xorshift), so a failure names a text that can be replayed. */
function randomTexts(count: number, alphabet: string[], seed = 7): string[] {
  let x = seed;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const out: string[] = [];
  for (let k = 0; k < count; k++) {
    let text = '';
    const length = Math.floor(next() * 14);
    for (let j = 0; j < length; j++) text += alphabet[Math.floor(next() * alphabet.length)];
    out.push(text);
  }
  return out;
}

const NAMES = ['a', 'a.b', 'a-1', 'a_b', 'all', 'al', 'b', 'a.', 'instance-2', 'instance-20'];
const PIECES = ['@', 'a', 'l', 'all', '.', '-', '_', ' ', 'b', '1', 'é', 'instance-2', '0', ',', 'A', '\n'];

describe('mentions', () => {
  it('answers as the per-instance regular expression does, on 20,000 generated texts', () => {
    const texts = randomTexts(20000, PIECES);
    texts.push('@all', '@all-x', '@all.x', '@all_x', '@All', 'x@a', '.@a', '@@a', '@a.b.c', '(@a)', '@instance-2.');
    let mentioned = 0;
    for (const text of texts) {
      for (const name of NAMES) {
        const expected = mentionsByRegex(text, name);
        assert.strictEqual(mentionsInstance(text, name), expected, `${JSON.stringify(text)} mentions ${name}`);
        if (expected) mentioned++;
      }
    }
    assert.ok(mentioned > 1000, `the generator reaches mentions (${mentioned})`);
  });

  it('tags each text with exactly the names it mentions, @all, alerts and the attention it asks for', () => {
    const texts = randomTexts(
      20000,
      [...PIECES, 'urgent', 'system:', 'alerts', '[urgent] ', '[please ack] ', '[high] '],
      11,
    );
    let urgent = 0;
    let acks = 0;
    for (const text of texts) {
      const tags = textTags(text);
      assert.strictEqual(new Set(tags).size, tags.length, `no tag twice in ${JSON.stringify(text)}`);
      assert.strictEqual(tags.includes(ALERT_TAG), isAlert(text), `alert tag of ${JSON.stringify(text)}`);
      const attention = decodeAttention(text);
      if (attention.importance === 'urgent') urgent++;
      if (attention.ackRequired) acks++;
      assert.strictEqual(
        tags.includes(URGENT_TAG),
        attention.importance === 'urgent',
        `urgent: ${JSON.stringify(text)}`,
      );
      assert.strictEqual(tags.includes(ACK_TAG), attention.ackRequired, `ack: ${JSON.stringify(text)}`);
      for (const name of NAMES) {
        const byTags = mentionTags(name).some((tag) => tags.includes(tag));
        assert.strictEqual(byTags, mentionsInstance(text, name), `${JSON.stringify(text)} tags ${tags} for ${name}`);
      }
    }
    assert.ok(urgent > 100 && acks > 100, `the generator reaches attention tags (${urgent}, ${acks})`);
  });

  it('keeps only names of an instance id shape as tags', () => {
    assert.deepStrictEqual(textTags('ping @instance-2, @all and @.hidden @-x'), ['instance-2', ALL_MENTIONED, 'all']);
    assert.deepStrictEqual(textTags('@a.b.c'), ['a', 'a.b', 'a.b.c']);
    assert.deepStrictEqual(textTags('URGENT: nobody'), [ALERT_TAG]);
    assert.deepStrictEqual(textTags('mail me at x@example.com'), []);
    assert.deepStrictEqual(textTags('[Urgent] [please ack] freeze'), [ALERT_TAG, URGENT_TAG, ACK_TAG]);
  });
});
