/**
 * `coord setup <agent>` and `coord setup --check` on real project
 * directories: fresh and existing config files for every agent (every
 * existing entry kept byte for byte, nothing duplicated or rewritten on a
 * second run), and the check running the installed hook for real (without
 * moving the delivery cursor) and starting the MCP server its entry names.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { CLI, runCoord, tempDir } from '../support/helpers';

function project(): string {
  const root = tempDir('coord-project-');
  assert.strictEqual(runCoord(['init', path.join(root, 'coordination')]).code, 0);
  return root;
}

function setup(root: string, args: string[]) {
  return runCoord(['--as', 'agent-a', 'setup', ...args, '--project', root], { cwd: root });
}

const read = (root: string, file: string) => fs.readFileSync(path.join(root, file), 'utf8');
const write = (root: string, file: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), text);
};

/**
 * Every line of `before` is in `after`, in order, unchanged: only whole lines were added (and, in JSON, the
 * comma that must follow what used to be the last member).
 */
function assertOnlyAdded(before: string, after: string): void {
  const lines = after.split('\n');
  let at = 0;
  for (const line of before.replace(/\n$/, '').split('\n')) {
    let found = lines.indexOf(line, at);
    if (found < 0) found = lines.indexOf(line + ',', at);
    assert.ok(found >= 0, `line kept byte for byte: ${JSON.stringify(line)}\n--- after ---\n${after}`);
    at = found + 1;
  }
}

const hookCommand = (agent: string, event: string) =>
  `${process.execPath} ${CLI} --as agent-a hook ${event} --agent ${agent}`;

/** A second setup reports every file unchanged and leaves each byte as it was. */
function assertSecondRunChangesNothing(root: string, agent: string, files: string[]): void {
  const before = files.map((f) => read(root, f));
  const again = setup(root, [agent]);
  assert.strictEqual(again.code, 0, again.stderr);
  for (const f of files) assert.match(again.stdout, new RegExp(`unchanged .*${f.replace(/\./g, '\\.')}: `));
  assert.deepStrictEqual(
    files.map((f) => read(root, f)),
    before,
    'nothing duplicated, nothing rewritten',
  );
}

/** The hooks setup writes for a Claude-style agent, in order: hooks.<Event> = [{ hooks: [{ type, command, … }] }]. */
const nestedHooks = (agent: string, events: string[], extra: Record<string, unknown>) =>
  Object.fromEntries(
    events.map((event) => [event, [{ hooks: [{ type: 'command', command: hookCommand(agent, event), ...extra }] }]]),
  );

const geminiHooks = () =>
  nestedHooks('gemini', ['SessionStart', 'BeforeAgent', 'AfterTool', 'AfterAgent'], { name: 'coord', timeout: 10000 });

const mcpServerEntry = () => ({
  command: process.execPath,
  args: [CLI, 'mcp'],
  env: { CLAUDE_INSTANCE_ID: 'agent-a' },
});

describe('coord setup (connecting an agent)', function () {
  this.timeout(60000);

  it('claude on a fresh project: .mcp.json and .claude/settings.json, then unchanged on a second run', () => {
    const root = project();
    const r = setup(root, ['claude']);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, /created\s+.*\.mcp\.json: added MCP server 'coord'/);
    assert.deepStrictEqual(JSON.parse(read(root, '.mcp.json')), {
      mcpServers: { coord: { command: process.execPath, args: [CLI, 'mcp'], env: { CLAUDE_INSTANCE_ID: 'agent-a' } } },
    });
    const settings = JSON.parse(read(root, '.claude/settings.json'));
    assert.deepStrictEqual(Object.keys(settings.hooks), ['SessionStart', 'UserPromptSubmit', 'PostToolUse', 'Stop']);
    assert.deepStrictEqual(settings.hooks.Stop, [
      { hooks: [{ type: 'command', command: hookCommand('claude', 'Stop'), timeout: 10 }] },
    ]);
    const before = [read(root, '.mcp.json'), read(root, '.claude/settings.json')];
    const again = setup(root, ['claude']);
    assert.match(again.stdout, /unchanged .*\.mcp\.json: already set up/);
    assert.deepStrictEqual(
      [read(root, '.mcp.json'), read(root, '.claude/settings.json')],
      before,
      'nothing duplicated',
    );
  });

  it('claude on existing files: other servers, hooks and settings kept byte for byte', () => {
    const root = project();
    const mcp = '{\n    "mcpServers": {\n        "github": {"command": "gh-mcp", "args": ["--ro"]}\n    }\n}\n';
    const settings = [
      '{',
      '  "permissions": { "allow": ["Bash(npm test)"] },',
      '  "hooks": {',
      '    "PostToolUse": [',
      '      { "matcher": "Write|Edit", "hooks": [{ "type": "command", "command": "npx prettier --write" }] }',
      '    ]',
      '  }',
      '}',
      '',
    ].join('\n');
    write(root, '.mcp.json', mcp);
    write(root, '.claude/settings.json', settings);
    const r = setup(root, ['claude']);
    assert.strictEqual(r.code, 0, r.stderr);
    assertOnlyAdded(mcp, read(root, '.mcp.json'));
    assertOnlyAdded(settings, read(root, '.claude/settings.json'));
    const parsed = JSON.parse(read(root, '.claude/settings.json'));
    assert.strictEqual(parsed.hooks.PostToolUse.length, 2);
    assert.deepStrictEqual(parsed.hooks.PostToolUse[0].matcher, 'Write|Edit');
    assert.deepStrictEqual(Object.keys(JSON.parse(read(root, '.mcp.json')).mcpServers), ['github', 'coord']);
    assertSecondRunChangesNothing(root, 'claude', ['.mcp.json', '.claude/settings.json']);
  });

  it('codex: config.toml edited minimally, hooks.json written', () => {
    const root = project();
    const toml = [
      '# team settings',
      'model = "gpt-5-codex"',
      '',
      '[features]',
      'web_search = true',
      '',
      '[mcp_servers.docs]',
      'command = "docs-mcp"',
      '',
    ].join('\n');
    write(root, '.codex/config.toml', toml);
    const r = setup(root, ['codex']);
    assert.strictEqual(r.code, 0, r.stderr);
    const after = read(root, '.codex/config.toml');
    assertOnlyAdded(toml, after);
    assert.match(after, /\[features\]\ncodex_hooks = true\nweb_search = true/);
    assert.match(
      after,
      new RegExp(
        `\\[mcp_servers\\.coord\\]\\ncommand = "${process.execPath}"\\nargs = \\["${CLI}", "mcp"\\]\\n\\n\\[mcp_servers\\.coord\\.env\\]\\nCLAUDE_INSTANCE_ID = "agent-a"\\n$`,
      ),
    );
    const hooks = JSON.parse(read(root, '.codex/hooks.json'));
    assert.strictEqual(hooks.hooks.UserPromptSubmit[0].hooks[0].command, hookCommand('codex', 'UserPromptSubmit'));
    const again = setup(root, ['codex']);
    assert.strictEqual(again.code, 0);
    assert.strictEqual(read(root, '.codex/config.toml'), after, 'no second table, no second flag');
  });

  it('codex on a fresh project: config.toml and hooks.json written whole, then unchanged on a second run', () => {
    const root = project();
    const r = setup(root, ['codex']);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.strictEqual(
      read(root, '.codex/config.toml'),
      [
        '[mcp_servers.coord]',
        `command = ${JSON.stringify(process.execPath)}`,
        `args = [${JSON.stringify(CLI)}, "mcp"]`,
        '',
        '[mcp_servers.coord.env]',
        'CLAUDE_INSTANCE_ID = "agent-a"',
        '',
        '[features]',
        'codex_hooks = true',
        '',
      ].join('\n'),
    );
    assert.deepStrictEqual(JSON.parse(read(root, '.codex/hooks.json')), {
      hooks: nestedHooks('codex', ['SessionStart', 'UserPromptSubmit', 'PostToolUse', 'Stop'], { timeout: 10 }),
    });
    assertSecondRunChangesNothing(root, 'codex', ['.codex/config.toml', '.codex/hooks.json']);
  });

  it('codex with an existing hooks.json: its hooks and settings kept byte for byte', () => {
    const root = project();
    const existing = [
      '{',
      '  "hooks": {',
      '    "PostToolUse": [',
      '      { "matcher": "apply_patch", "hooks": [{ "type": "command", "command": "cargo fmt" }] }',
      '    ]',
      '  },',
      '  "note": "team hooks"',
      '}',
      '',
    ].join('\n');
    write(root, '.codex/hooks.json', existing);
    assert.strictEqual(setup(root, ['codex']).code, 0);
    assertOnlyAdded(existing, read(root, '.codex/hooks.json'));
    const parsed = JSON.parse(read(root, '.codex/hooks.json'));
    assert.deepStrictEqual(parsed.hooks.PostToolUse, [
      { matcher: 'apply_patch', hooks: [{ type: 'command', command: 'cargo fmt' }] },
      { hooks: [{ type: 'command', command: hookCommand('codex', 'PostToolUse'), timeout: 10 }] },
    ]);
    assert.strictEqual(parsed.note, 'team hooks');
    assertSecondRunChangesNothing(root, 'codex', ['.codex/config.toml', '.codex/hooks.json']);
  });

  it('cursor with existing mcp.json and hooks.json: other servers and hooks kept byte for byte', () => {
    const root = project();
    const mcp = [
      '{',
      '  "mcpServers": {',
      '    "linear": { "url": "https://mcp.linear.app/sse" },',
      '    "db":     { "command": "pg-mcp", "args": ["--read-only"], "env": { "PGHOST": "localhost" } }',
      '  }',
      '}',
      '',
    ].join('\n');
    const hooks = '{\n  "version": 1,\n  "hooks": {\n    "afterFileEdit": [{ "command": "./format.sh" }]\n  }\n}\n';
    write(root, '.cursor/mcp.json', mcp);
    write(root, '.cursor/hooks.json', hooks);
    const r = setup(root, ['cursor']);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, /updated\s+\S+mcp\.json: added MCP server 'coord'/);
    assertOnlyAdded(mcp, read(root, '.cursor/mcp.json'));
    assertOnlyAdded(hooks, read(root, '.cursor/hooks.json'));
    const servers = JSON.parse(read(root, '.cursor/mcp.json')).mcpServers;
    assert.deepStrictEqual(servers, {
      linear: { url: 'https://mcp.linear.app/sse' },
      db: { command: 'pg-mcp', args: ['--read-only'], env: { PGHOST: 'localhost' } },
      coord: mcpServerEntry(),
    });
    const parsedHooks = JSON.parse(read(root, '.cursor/hooks.json'));
    assert.deepStrictEqual(parsedHooks.hooks.afterFileEdit, [{ command: './format.sh' }]);
    assert.deepStrictEqual(parsedHooks.hooks.postToolUse, [{ command: hookCommand('cursor', 'postToolUse') }]);
    assertSecondRunChangesNothing(root, 'cursor', ['.cursor/mcp.json', '.cursor/hooks.json']);
  });

  it('cursor on a fresh project: .cursor/mcp.json and a version 1 hooks.json, then unchanged', () => {
    const root = project();
    assert.strictEqual(setup(root, ['cursor']).code, 0);
    const hooks = JSON.parse(read(root, '.cursor/hooks.json'));
    assert.strictEqual(hooks.version, 1);
    assert.deepStrictEqual(Object.keys(hooks.hooks), ['sessionStart', 'postToolUse', 'stop']);
    assert.deepStrictEqual(hooks.hooks.stop, [{ command: hookCommand('cursor', 'stop'), loop_limit: 1 }]);
    assert.deepStrictEqual(JSON.parse(read(root, '.cursor/mcp.json')), { mcpServers: { coord: mcpServerEntry() } });
    assertSecondRunChangesNothing(root, 'cursor', ['.cursor/mcp.json', '.cursor/hooks.json']);
  });

  it('gemini on a fresh project: settings.json exactly, then unchanged on a second run', () => {
    const root = project();
    const r = setup(root, ['gemini']);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.strictEqual(
      read(root, '.gemini/settings.json'),
      JSON.stringify({ mcpServers: { coord: mcpServerEntry() }, hooks: geminiHooks() }, null, 2) + '\n',
    );
    assertSecondRunChangesNothing(root, 'gemini', ['.gemini/settings.json']);
  });

  it('gemini: settings.json with comments keeps them and its other settings, byte for byte', () => {
    const root = project();
    const text = '{\n  // my theme\n  "theme": "GitHub",\n  "mcpServers": {}\n}\n';
    write(root, '.gemini/settings.json', text);
    assert.strictEqual(setup(root, ['gemini']).code, 0);
    const added = JSON.stringify({ mcpServers: { coord: mcpServerEntry() }, hooks: geminiHooks() }, null, 2);
    assert.strictEqual(
      read(root, '.gemini/settings.json'),
      '{\n  // my theme\n  "theme": "GitHub",\n' + added.slice('{\n'.length) + '\n',
    );
    assertSecondRunChangesNothing(root, 'gemini', ['.gemini/settings.json']);
  });

  it('--check reports what is installed and runs the hook', () => {
    const root = project();
    const before = setup(root, ['--check', 'claude']);
    assert.strictEqual(before.code, 1);
    assert.match(before.stdout, /claude: not installed/);
    setup(root, ['claude']);
    const after = setup(root, ['--check', 'claude']);
    assert.strictEqual(after.code, 0, after.stdout + after.stderr);
    assert.match(after.stdout, /claude: installed, works/);
    assert.match(after.stdout, /\n {2}MCP server starts: agent-coordination [\d.]+ answered initialize in \d+ ms\n/);
    const all = runCoord(['--as', 'agent-a', '--json', 'setup', '--check', '--project', root], { cwd: root });
    const reports = JSON.parse(all.stdout);
    assert.deepStrictEqual(
      reports.map((x: { agent: string; installed: boolean }) => [x.agent, x.installed]),
      [
        ['claude', true],
        ['codex', false],
        ['cursor', false],
        ['gemini', false],
      ],
    );
  });

  it('--check starts coord mcp as the entry says (codex config.toml too); an entry that is not coord mcp never runs', () => {
    const root = project();
    assert.strictEqual(setup(root, ['codex']).code, 0);
    const codex = runCoord(['--as', 'agent-a', '--json', 'setup', '--check', 'codex', '--project', root], {
      cwd: root,
    });
    assert.strictEqual(codex.code, 0, codex.stdout + codex.stderr);
    const [report] = JSON.parse(codex.stdout);
    assert.deepStrictEqual([report.mcpLaunch, report.mcpStarts], [{ instance: 'agent-a' }, true]);

    assert.strictEqual(setup(root, ['claude']).code, 0);
    const entry = JSON.parse(read(root, '.mcp.json'));
    entry.mcpServers.coord.env.COORDINATION_DIR = path.join(root, 'nowhere');
    write(root, '.mcp.json', JSON.stringify(entry));
    const gone = setup(root, ['--check', 'claude']);
    assert.strictEqual(gone.code, 1, 'the hook works, the MCP server does not');
    assert.match(gone.stdout, /claude: installed, NOT working/);
    assert.match(
      gone.stdout,
      /\n {2}- the MCP server did not start: coord: error: coordination directory \S+nowhere does not exist/,
    );

    const marker = path.join(root, 'PWNED');
    write(
      root,
      '.mcp.json',
      JSON.stringify({ mcpServers: { coord: { command: '/bin/sh', args: ['-c', `touch ${marker}`, 'mcp'] } } }),
    );
    const foreign = setup(root, ['--check', 'claude']);
    assert.strictEqual(foreign.code, 1);
    assert.match(
      foreign.stdout,
      /the MCP server 'coord' runs '\/bin\/sh -c touch \S+PWNED mcp', which is not coord mcp; not started/,
    );
    assert.ok(!fs.existsSync(marker), 'the configured command was not run');
  });

  it('--check leaves the delivery cursor alone: a message sent before it is still delivered by the next hook', () => {
    const root = project();
    const dir = path.join(root, 'coordination');
    assert.strictEqual(setup(root, ['claude']).code, 0);
    assert.strictEqual(runCoord(['send', '#general', 'please look @agent-a'], { dir, as: 'agent-b' }).code, 0);
    const check = setup(root, ['--check', 'claude']);
    assert.strictEqual(check.code, 0, check.stdout + check.stderr);
    assert.ok(!fs.existsSync(path.join(dir, 'data', '.coord-delivery-agent-a.json')), 'no delivery cursor written');
    const tool = runCoord(['hook', 'PostToolUse'], { dir, as: 'agent-a', input: '{"hook_event_name":"PostToolUse"}' });
    assert.strictEqual(tool.code, 0, tool.stderr);
    assert.match(tool.stdout, /message #1 from agent-b \(#general, [^)]*\)\\nplease look @agent-a/);
  });

  it('bad input: unknown agent, a config file that is not JSON; nothing written', () => {
    const root = project();
    const unknown = setup(root, ['banana']);
    assert.strictEqual(unknown.code, 2);
    assert.match(
      unknown.stderr,
      /^coord: error: unknown agent 'banana': choose one of claude, codex, cursor, gemini\n$/,
    );
    write(root, '.mcp.json', '{ "mcpServers": { oops } }');
    const broken = setup(root, ['claude']);
    assert.strictEqual(broken.code, 1);
    assert.match(broken.stderr, /\.mcp\.json is not valid JSON/);
    assert.strictEqual(read(root, '.mcp.json'), '{ "mcpServers": { oops } }');
    assert.ok(!fs.existsSync(path.join(root, '.claude')));
  });
});
