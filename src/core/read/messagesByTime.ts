/** Messages looked up by time, sender, target and text: how a transcript block finds its log line. */
import { MessageShape, pairingKey, sameMessage } from './messageIdentity';

/**
 * A multimap keyed by timestamp: few messages share a second, so lookups stay
 * cheap. A second that fills up (a burst, or a generated log) gets its own
 * index by sender, target and text, so matching never turns quadratic.
 */
export class ByTime<M extends MessageShape> {
  private map = new Map<string, TimeBucket<M>>();
  get size(): number {
    return this.map.size;
  }
  add(m: M): void {
    let bucket = this.map.get(m.time);
    if (!bucket) this.map.set(m.time, (bucket = { list: [], byShape: null }));
    bucket.list.push(m);
    if (bucket.byShape) addShape(bucket.byShape, m);
    else if (bucket.list.length > BUSY_SECOND) {
      bucket.byShape = new Map();
      for (const x of bucket.list) addShape(bucket.byShape, x);
    }
  }
  remove(m: M): void {
    const bucket = this.map.get(m.time);
    if (!bucket) return;
    const i = bucket.list.indexOf(m);
    if (i >= 0) bucket.list.splice(i, 1);
    if (bucket.byShape) {
      const list = bucket.byShape.get(pairingKey(m));
      const j = list ? list.indexOf(m) : -1;
      if (list && j >= 0) list.splice(j, 1);
    }
    if (bucket.list.length === 0) this.map.delete(m.time);
  }
  find(shape: MessageShape, accept: (m: M) => boolean = () => true): M | undefined {
    const bucket = this.map.get(shape.time);
    if (!bucket) return undefined;
    const candidates = bucket.byShape ? (bucket.byShape.get(pairingKey(shape)) ?? []) : bucket.list;
    return candidates.find((m) => sameMessage(m, shape) && accept(m));
  }
  clear(): void {
    this.map.clear();
  }
}

const BUSY_SECOND = 32;

interface TimeBucket<M> {
  list: M[];
  byShape: Map<string, M[]> | null;
}

function addShape<M extends MessageShape>(index: Map<string, M[]>, m: M): void {
  const key = pairingKey(m);
  const list = index.get(key);
  if (list) list.push(m);
  else index.set(key, [m]);
}
