#!/usr/bin/env node
// Writes a realistic coordination directory quickly, directly in the file
// formats of /work/shared/FORMAT.md (no library calls), for tests and benches.
//
//   node scripts/generate-dir.mjs OUT_DIR --messages N [--seed S] [--legacy K]
//
//   import { generateDir } from './scripts/generate-dir.mjs';
//   const info = generateDir(dir, { messages: 100000, seed: 1 });
//
// What it writes:
//   data/messages.log          N lines, increasing timestamps: room messages,
//                              @-messages, DMs (`[ts] DM: a -> b:`) and bash
//                              replies (`[REPLY to msg #N from X] `); about 1 in
//                              200 texts is multi-line (escaped `\n` in the log)
//   chatrooms/<room>.txt       SYSTEM created + description lines, one block per
//                              room message (8-hex ID), plus K legacy blocks
//                              with no log line (timestamps before the log's)
//   inboxes/<id>.txt           one block per @-message (STATUS: unread)
//   dms/dm_<a>_<b>.txt         one Python line per DM
//   data/chatroom-status.txt, data/status.txt, data/status_<id>.txt,
//   data/action-log.txt, read-status/<id>.txt (4 instances)
//
// Planted words (returned and printed as JSON) let tests check every match:
//   zanzibar    at 3 numbers (first, middle, last-but-few)
//   quixotic    at 1 number
//   kumquat     at 2 numbers in #ops from instance-3
//   marmalade   in every legacy block (number null)
//   xylophone   in one @-message to instance-4 and one DM to instance-2
// None of them occurs anywhere else.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const INSTANCES = ['instance-1', 'instance-2', 'instance-3', 'instance-4'];
export const ROOMS = ['general', 'dev', 'testing', 'ops', 'random'];

const WORDS = (
  'the a to of and in for on with is it that this we be are as at by from or not have will can should ' +
  'deploy build test tests failing passing merge branch commit review pull request release rollback fix bug issue ' +
  'server client api endpoint database query index cache queue worker job task schedule cron timeout retry error ' +
  'warning log logs metrics dashboard alert latency throughput memory cpu disk network socket port config env ' +
  'staging production canary rollout feature flag toggle migration schema table column row lock deadlock race ' +
  'thread process container docker image kubernetes pod node cluster service gateway proxy load balancer dns tls ' +
  'certificate token auth login session cookie user account permission role admin audit report summary plan ' +
  'design proposal draft spec ticket sprint standup blocker done progress update status check ping ack thanks ' +
  'please looking into investigating found root cause patch hotfix revert bisect flaky timing ordering parser ' +
  'lexer compiler runtime library module package dependency version upgrade downgrade pin lockfile script shell ' +
  'python typescript javascript rust golang java kotlin swift ruby css html json yaml toml markdown readme docs ' +
  'coverage benchmark profile trace span sample histogram percentile p95 p99 regression improvement faster slower ' +
  'refactor cleanup rename extract inline split combine move delete add remove change handle support implement ' +
  'coordination chatroom message reply thread unread notification mention inbox search ranking typo filter'
).split(' ');

const PLANTED_WORDS = ['zanzibar', 'quixotic', 'kumquat', 'marmalade', 'xylophone'];

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n) => String(n).padStart(2, '0');

/** A naive (zone-free) calendar clock: seconds since 2025-06-15 00:00:00 as `YYYY-MM-DD HH:MM:SS`. */
function stamp(seconds) {
  const d = new Date(Date.UTC(2025, 5, 15) + seconds * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

const escapeLog = (text) => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r');

/**
 * Generates a directory at `root` (created if missing). Returns what tests
 * need: the message count, the planted words with their numbers, and the
 * legacy (transcript-only) messages.
 */
export function generateDir(root, { messages = 10000, seed = 1, legacy = 3 } = {}) {
  const rand = mulberry32(seed);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const dirs = ['data', 'chatrooms', 'inboxes', 'dms', 'read-status'].map((d) => join(root, d));
  for (const d of dirs) mkdirSync(d, { recursive: true, mode: 0o700 });

  const planted = {
    zanzibar: [1 + Math.floor(messages / 7), Math.ceil(messages / 2), messages - 3].filter(
      (n, i, a) => n >= 1 && a.indexOf(n) === i,
    ),
    quixotic: [Math.max(1, Math.floor((messages * 2) / 3))],
    kumquat: [],
    xylophone: [],
  };
  const plantedAt = new Map();
  for (const [word, numbers] of Object.entries(planted))
    for (const n of numbers) plantedAt.set(n, [...(plantedAt.get(n) ?? []), word]);
  // kumquat and xylophone need particular message kinds: chosen while generating.
  const kumquatFrom = Math.floor(messages / 4);
  const xyloFrom = Math.floor(messages / 3);

  const log = [];
  const rooms = Object.fromEntries(ROOMS.map((r) => [r, []]));
  const inboxes = Object.fromEntries(INSTANCES.map((i) => [i, []]));
  const dms = new Map();
  const actions = [];
  /** number -> { room, to, from } for replies. */
  const meta = [];
  const legacyMessages = [];
  const legacyStart = 60; // seconds; the log starts after the legacy blocks
  let t = legacyStart + legacy * 10 + 60;
  let idCounter = Math.floor(rand() * 0x7fffffff);
  const nextId = () =>
    (idCounter = (Math.imul(idCounter, 1103515245) + 12345) >>> 0).toString(16).padStart(8, '0').slice(-8);

  const roomCreated = stamp(0);
  for (const room of ROOMS) {
    rooms[room].push(
      `[${roomCreated}] SYSTEM: Chatroom '${room}' created by instance-1\n[${roomCreated}] SYSTEM: Description: The ${room} room\n`,
    );
  }
  for (let k = 0; k < legacy; k++) {
    const time = stamp(legacyStart + k * 10);
    const room = ROOMS[k % ROOMS.length];
    const from = INSTANCES[k % INSTANCES.length];
    const id = nextId();
    const text = `legacy note ${k + 1} about marmalade and the old tools`;
    rooms[room].push(`[${time}] FROM: ${from}\nID: ${id}\nMESSAGE: ${text}\n---\n`);
    legacyMessages.push({ number: null, id, time, from, target: `#${room}`, text, replyTo: null });
  }

  let kumquatLeft = 2;
  let xyloAt = false;
  let xyloDm = false;
  for (let n = 1; n <= messages; n++) {
    t += 1 + Math.floor(rand() * 20);
    const time = stamp(t);
    let from = pick(INSTANCES);
    const len = 6 + Math.floor(rand() * 14);
    const words = [];
    for (let i = 0; i < len; i++) words.push(pick(WORDS));
    if (rand() < 0.15) words.push(`#${1 + Math.floor(rand() * 9000)}`);
    if (rand() < 0.1) words.push(`@${pick(INSTANCES)}`);
    for (const w of plantedAt.get(n) ?? []) words.splice(Math.floor(rand() * words.length), 0, w);
    let text = words.join(' ');
    text = text[0].toUpperCase() + text.slice(1) + (rand() < 0.5 ? '.' : '');
    if (rand() < 0.005) text += '\nsecond line: ' + pick(WORDS) + ' ' + pick(WORDS);

    let kind = rand();
    if (kumquatLeft > 0 && n >= kumquatFrom + (2 - kumquatLeft) * 100 && !plantedAt.has(n)) {
      kind = -1;
      from = 'instance-3';
      text += ' kumquat';
      planted.kumquat.push(n);
      kumquatLeft--;
    } else if (!xyloAt && n >= xyloFrom && !plantedAt.has(n)) {
      kind = -2;
      from = 'instance-1';
      text += ' xylophone';
      planted.xylophone.push(n);
      xyloAt = true;
    } else if (xyloAt && !xyloDm && n >= xyloFrom + 50 && !plantedAt.has(n)) {
      kind = -3;
      from = 'instance-3';
      text += ' xylophone';
      planted.xylophone.push(n);
      xyloDm = true;
    }
    const id = nextId();
    const head = `[${time}]`;
    if (kind === -1 || (kind >= 0 && kind < 0.62)) {
      const room = kind === -1 ? 'ops' : pick(ROOMS);
      log.push(`${head} ${from} -> #${room}: ${escapeLog(text)}`);
      rooms[room].push(`${head} FROM: ${from}\nID: ${id}\nMESSAGE: ${text}\n---\n`);
      meta.push({ room, from, to: null });
    } else if (kind >= 0 && kind < 0.74 && n > 10) {
      // A bash reply to an earlier message in a room, in that room.
      let parent = n - 1 - Math.floor(rand() * Math.min(n - 1, 200));
      while (parent > 1 && meta[parent - 1].room === null) parent--;
      const p = meta[parent - 1];
      if (p.room === null) {
        log.push(`${head} ${from} -> #general: ${escapeLog(text)}`);
        rooms.general.push(`${head} FROM: ${from}\nID: ${id}\nMESSAGE: ${text}\n---\n`);
        meta.push({ room: 'general', from, to: null });
      } else {
        const prefix = `[REPLY to msg #${parent} from ${p.from}] `;
        log.push(`${head} ${from} -> #${p.room}: ${prefix}${escapeLog(text)}`);
        rooms[p.room].push(`${head} FROM: ${from}\nID: ${id}\nMESSAGE: ${prefix}${text}\n---\n`);
        meta.push({ room: p.room, from, to: null });
      }
    } else if (kind === -2 || (kind >= 0 && kind < 0.87)) {
      let to = kind === -2 ? 'instance-4' : pick(INSTANCES);
      if (to === from) to = INSTANCES[(INSTANCES.indexOf(from) + 1) % INSTANCES.length];
      log.push(`${head} ${from} -> @${to}: ${escapeLog(text)}`);
      inboxes[to].push(`${head} FROM: ${from}\nID: ${id}\nMESSAGE: ${text}\nSTATUS: unread\n---\n`);
      meta.push({ room: null, from, to });
    } else {
      let to = kind === -3 ? 'instance-2' : pick(INSTANCES);
      if (to === from) to = INSTANCES[(INSTANCES.indexOf(from) + 1) % INSTANCES.length];
      log.push(`${head} DM: ${from} -> ${to}: ${escapeLog(text)}`);
      const [a, b] = from < to ? [from, to] : [to, from];
      const key = `dm_${a}_${b}`;
      if (!dms.has(key)) dms.set(key, []);
      dms.get(key).push(`${head} ${from}: ${escapeLog(text)}\n`);
      meta.push({ room: null, from, to });
    }
    if (n % 10 === 0)
      actions.push(`${head} ${from} | SEND_MESSAGE | To: #${meta[n - 1].room ?? meta[n - 1].to} | ID: ${id}\n`);
  }

  writeFileSync(join(root, 'data', 'messages.log'), log.length ? log.join('\n') + '\n' : '', { mode: 0o600 });
  const created = stamp(0);
  writeFileSync(
    join(root, 'data', 'chatroom-status.txt'),
    '# Chatroom Status Tracking\n# Format: CHATROOM_NAME:STATUS:CREATED_BY:CREATED_TIME:LAST_MODIFIED:CLOSURE_REASON\n' +
      ROOMS.map((r) => `${r}:open:instance-1:${created}:${created}:\n`).join(''),
    { mode: 0o600 },
  );
  for (const room of ROOMS)
    writeFileSync(join(root, 'chatrooms', `${room}.txt`), rooms[room].join(''), { mode: 0o600 });
  for (const id of INSTANCES)
    if (inboxes[id].length) writeFileSync(join(root, 'inboxes', `${id}.txt`), inboxes[id].join(''), { mode: 0o600 });
  for (const [key, lines] of dms) writeFileSync(join(root, 'dms', `${key}.txt`), lines.join(''), { mode: 0o600 });
  const last = stamp(t);
  writeFileSync(join(root, 'data', 'action-log.txt'), actions.join(''), { mode: 0o600 });
  writeFileSync(join(root, 'data', 'read-receipts.log'), '', { mode: 0o600 });
  writeFileSync(
    join(root, 'data', 'status.txt'),
    INSTANCES.map((i) => `${i}: working on search  (updated: ${last})\n`).join(''),
    { mode: 0o600 },
  );
  writeFileSync(join(root, 'data', 'status_instance-1.txt'), `[${last}] reviewing the generated directory`, {
    mode: 0o600,
  });
  INSTANCES.forEach((id, k) => {
    const upTo = Math.min(messages, 50 * (k + 1));
    let marks = '';
    for (let n = 1; n <= upTo; n++) marks += k % 2 ? `${n}:${last}\n` : `${n}: read at ${last}\n`;
    writeFileSync(join(root, 'read-status', `${id}.txt`), marks, { mode: 0o600 });
  });
  return { dir: root, messages, planted, legacy: legacyMessages, instances: INSTANCES, rooms: ROOMS, lastTime: last };
}

export { PLANTED_WORDS };

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const out = args.find((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--')));
  const flag = (name, def) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : def;
  };
  if (!out) {
    console.error('usage: node scripts/generate-dir.mjs OUT_DIR --messages N [--seed S] [--legacy K]');
    process.exit(2);
  }
  const started = Date.now();
  const info = generateDir(out, {
    messages: flag('messages', 10000),
    seed: flag('seed', 1),
    legacy: flag('legacy', 3),
  });
  console.error(`wrote ${info.messages} messages to ${out} in ${Date.now() - started} ms`);
  console.log(JSON.stringify({ planted: info.planted, legacy: info.legacy.map((m) => m.id) }));
}
