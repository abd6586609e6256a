/**
 * Pairing transcript blocks with log lines: a block with the same time,
 * sender, target and text as a log message is that message's copy (it lends
 * the message its 8-hex id); a block no log line stands for is a legacy
 * message of its own, numbered null. The store and the persisted search
 * index's delta reader hold messages differently, so each supplies how to
 * look up and record them; the decisions are made here, once.
 */
import { blockId, MessageShape, sameMessage } from './messageIdentity';
import { splitReplyPrefix } from '../formats/messagesLog';
import { SourceBlock } from './sources';
import { TranscriptBlock } from '../formats/transcript';

/** What a transcript block alone says of its message. */
export interface LegacyFields extends MessageShape {
  number: null;
  id: string;
  replyTo: number | string | null;
  dm: boolean;
  room: string | null;
  to: string | null;
  lastLine: null;
}

export interface BlockMatcher<M extends MessageShape & { id: string }> {
  /** A log message of this shape that the source has not lent a block to yet. */
  logMessage(shape: MessageShape): M | undefined;
  /** Whether a transcript block already gave the message its id. */
  idFromBlock(m: M): boolean;
  /** Records the block as a copy of `m`, a log message or (`log` false) a legacy one. */
  claim(m: M, log: boolean, block: TranscriptBlock): void;
  /** Legacy messages by the transcript id that named them first. */
  legacyById: Map<string, M>;
  /** A message only the transcripts hold (the block is claimed for it next). */
  addLegacy(fields: LegacyFields): M;
}

/** The shape a block is compared by: a reply's `[REPLY to …]` prefix is not part of its text. */
export function blockShape(sourceBlock: SourceBlock): { shape: MessageShape; replyTo: number | string | null } {
  const { block, target } = sourceBlock;
  const { text, replyTo } = splitReplyPrefix(block.text);
  return { shape: { time: block.time, from: block.from, target, text }, replyTo };
}

export function attachBlock<M extends MessageShape & { id: string }>(
  matcher: BlockMatcher<M>,
  sourceKey: string,
  sourceBlock: SourceBlock,
): void {
  const { block, target, dm } = sourceBlock;
  const { shape, replyTo } = blockShape(sourceBlock);
  const match = matcher.logMessage(shape);
  if (match) {
    if (block.id && !matcher.idFromBlock(match)) match.id = block.id;
    matcher.claim(match, true, block);
    return;
  }
  const existing = block.id ? matcher.legacyById.get(block.id) : undefined;
  if (existing && sameMessage(existing, shape)) {
    matcher.claim(existing, false, block);
    return;
  }
  const room = target.startsWith('#') ? target.slice(1) : null;
  const legacy = matcher.addLegacy({
    ...shape,
    number: null,
    id: blockId(sourceKey, block),
    replyTo,
    dm,
    room,
    to: room === null ? target.slice(1) : null,
    lastLine: null,
  });
  matcher.claim(legacy, false, block);
  if (block.id && !matcher.legacyById.has(block.id)) matcher.legacyById.set(block.id, legacy);
}
