import * as assert from 'assert';
import { constants } from 'buffer';
import { StreamedArray, toSafeJson, writeSafeJson } from '../../src/cli/jsonOutput';

function written(value: unknown): string {
  let out = '';
  writeSafeJson(value, (t) => (out += t));
  return out;
}

describe('JSON output written as it is produced', () => {
  it('has the bytes of the one-string form for every shape', () => {
    const values: unknown[] = [
      [],
      {},
      [[]],
      [{}],
      'text \u202e\u007f',
      42,
      null,
      [1, 'two', null, undefined, () => 3, [3, [4, []]], { a: [1, { b: [] }], c: undefined, d: new Date(0) }],
      { list: [{ text: 'a\u2028b', n: 1 }], empty: [], nested: { deep: [1, 2] }, gone: undefined, f: () => 1 },
      { only: undefined },
      Object.assign(Object.create(null) as object, { x: [1] }),
    ];
    for (const value of values) assert.strictEqual(written(value), toSafeJson(value) + '\n', JSON.stringify(value));
  });

  it('writes more than one string can hold, in bounded chunks', function () {
    this.timeout(60_000);
    const item = 'x'.repeat(1_000_000);
    const count = Math.ceil(constants.MAX_STRING_LENGTH / item.length) + 10;
    const big = new Array<string>(count).fill(item);
    const expected = 2 + count * (2 + item.length + 2) + (count - 1) * 2 + 2 + 1;
    assert.ok(expected > constants.MAX_STRING_LENGTH);
    let total = 0;
    let largest = 0;
    let head = '';
    let tail = '';
    writeSafeJson(big, (t) => {
      if (!head) head = t.slice(0, 8);
      tail = t.slice(-5);
      total += t.length;
      largest = Math.max(largest, t.length);
    });
    assert.strictEqual(total, expected);
    assert.ok(largest < 4 * 1024 * 1024, `a chunk of ${largest} characters`);
    assert.strictEqual(head, '[\n  "xxx');
    assert.strictEqual(tail, 'x"\n]\n');
  });

  it('writes a streamed array exactly as the array, taking its items only as it writes them', () => {
    for (const list of [[], [1], [{ text: 'a\u202eb' }, [2, []], null, 'x']] as unknown[][]) {
      assert.strictEqual(written(new StreamedArray(list)), toSafeJson(list) + '\n');
      assert.strictEqual(written({ wrapped: new StreamedArray(list) }), toSafeJson({ wrapped: list }) + '\n');
    }
    // Items are made one at a time, between writes: a million of them never exist together.
    let alive = 0;
    let mostAlive = 0;
    function* items() {
      for (let i = 0; i < 50_000; i++) {
        alive++;
        mostAlive = Math.max(mostAlive, alive);
        yield { n: i, text: 'y'.repeat(100) };
        alive--;
      }
    }
    let chunks = 0;
    writeSafeJson(new StreamedArray(items()), () => chunks++);
    assert.strictEqual(mostAlive, 1);
    assert.ok(chunks > 3, `${chunks} chunks: written while the items were made`);
  });
});
