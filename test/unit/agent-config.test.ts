import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initCoordination } from '../../src/core/coordination';
import { ACTIVE_WINDOW_MS, instancePresence } from '../../src/core/agents/presence';
import { insertJson, parseJsonText } from '../../src/core/agents/jsonEdit';
import { fenceToken, formatMessagesForAgent } from '../../src/core/agents/agentText';
import { hookPhase, vendorEvent } from '../../src/core/agents/hookEvents';

describe('config files edited as text (jsonEdit)', () => {
  it('adds a member to an object in the file’s own indentation, keeping the rest byte for byte', () => {
    const text = '{\n    "a": 1,\n    "b": {"x": true}\n}\n';
    const out = insertJson(text, [], 'c', { d: [1] });
    assert.strictEqual(
      out,
      '{\n    "a": 1,\n    "b": {"x": true},\n    "c": {\n        "d": [\n            1\n        ]\n    }\n}\n',
    );
    assert.deepStrictEqual(parseJsonText(out), { a: 1, b: { x: true }, c: { d: [1] } });
  });

  it('creates missing containers along the path and appends to arrays', () => {
    const created = insertJson('{}', ['hooks', 'Stop'], null, { command: 'x' });
    assert.deepStrictEqual(parseJsonText(created), { hooks: { Stop: [{ command: 'x' }] } });
    const appended = insertJson(created, ['hooks', 'Stop'], null, { command: 'y' });
    assert.deepStrictEqual(parseJsonText(appended), { hooks: { Stop: [{ command: 'x' }, { command: 'y' }] } });
    assert.deepStrictEqual(parseJsonText(insertJson('', ['mcpServers'], 'coord', 1)), { mcpServers: { coord: 1 } });
  });

  it('keeps comments (JSON with comments) and refuses what is not JSON', () => {
    const text = '{\n  // keep me\n  "a": [1, /* two */ 2]\n}\n';
    const out = insertJson(text, [], 'b', true);
    assert.ok(out.startsWith('{\n  // keep me\n  "a": [1, /* two */ 2],\n  "b": true\n}'), out);
    assert.throws(() => insertJson('{ "a": }', [], 'b', 1), /unexpected/);
    assert.throws(() => insertJson('{ "a": 1 } x', [], 'b', 1), /after the JSON value/);
    assert.throws(() => insertJson('{ "a": 1 }', ['a'], 'b', 1), /'a' is not an object/);
  });
});

describe('messages handed to an agent (agentText)', () => {
  it('fences with a token that no text contains, the same for the same texts', () => {
    const t = fenceToken(['hello']);
    assert.strictEqual(fenceToken(['hello']), t);
    assert.notStrictEqual(fenceToken([`hello ${t}`]), t);
    assert.ok(!`hello ${t}`.includes(fenceToken([`hello ${t}`])));
  });

  it('says whose words they are and makes control characters visible', () => {
    const out = formatMessagesForAgent(
      [
        {
          number: 3,
          id: 'abcd1234',
          time: '2026-01-01 10:00:00',
          from: 'b',
          target: '@a',
          text: 'hi\u202e\u001b',
          replyTo: 1,
          importance: 'normal',
          ackRequired: false,
        },
      ],
      'a',
    );
    assert.match(out, /^Each block below is a message written by another AI agent/);
    assert.match(
      out,
      /<<<coord-[0-9a-f]{8} message #3 from b \(direct to you, 2026-01-01 10:00:00, replying to #1\)\nhi\\u202e\\x1b\ncoord-/,
    );
  });
});

describe('hook events of each agent', () => {
  it('maps every vendor’s names to one phase and back', () => {
    assert.deepStrictEqual(
      [
        'SessionStart',
        'UserPromptSubmit',
        'BeforeAgent',
        'PostToolUse',
        'AfterTool',
        'postToolUse',
        'Stop',
        'AfterAgent',
        'stop',
        'x',
      ].map(hookPhase),
      ['session-start', 'prompt', 'prompt', 'tool', 'tool', 'tool', 'stop', 'stop', 'stop', null],
    );
    assert.strictEqual(vendorEvent('gemini', 'stop'), 'AfterAgent');
    assert.strictEqual(vendorEvent('cursor', 'prompt'), null);
  });
});

describe('who is here (presence)', () => {
  it('an instance is active for ACTIVE_WINDOW_MS after its last message or status, idle after', async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'coord-presence-')), 'coordination');
    const at = new Date(2026, 0, 2, 10, 0, 0);
    const { coordination: b } = initCoordination(dir, { instance: 'b', now: () => at, env: {} });
    await b.send('#general', 'hello');
    const { coordination: a } = initCoordination(dir, { instance: 'a', env: {} });
    await a.updateStatus('reading');
    a.refresh();
    const when = (ms: number) =>
      instancePresence(a, new Date(at.getTime() + ms)).map((p) => [p.instance, p.lastActive, p.active]);
    assert.deepStrictEqual(
      when(ACTIVE_WINDOW_MS).find((r) => r[0] === 'b'),
      ['b', '2026-01-02 10:00:00', true],
    );
    assert.deepStrictEqual(
      when(ACTIVE_WINDOW_MS + 1000).find((r) => r[0] === 'b'),
      ['b', '2026-01-02 10:00:00', false],
    );
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });
});
