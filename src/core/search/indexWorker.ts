/**
 * The worker half of a directory scan (indexBuilder.ts, workerTexts): a
 * TextColumns fed the log's messages in batches while the scan goes on in the
 * main thread, then finished with the legacy messages inserted. The answer
 * goes back on the port the scan gave, and `flag` is set, which the scan
 * waits on (it runs synchronously and cannot take events).
 */
import { MessagePort, parentPort, workerData } from 'worker_threads';
import { TextColumns } from './textColumns';
import type { TextBatch, TextsAnswer, TextsRequest } from './indexBuilder';

const { fd, flag, port } = workerData as { fd: number; flag: Int32Array; port: MessagePort };
const columns = new TextColumns(fd);
const strings: string[] = [];

function add(batch: TextBatch): void {
  strings.push(...batch.strings);
  const bytes = Buffer.from(batch.bytes.buffer, batch.bytes.byteOffset, batch.bytes.length);
  for (let k = 0, start = 0; k < batch.ends.length; k++) {
    const end = batch.ends[k];
    columns.add({
      text: bytes.toString('utf8', start, end),
      from: strings[batch.from[k]],
      room: strings[batch.room[k]],
    });
    start = end;
  }
}

function answer(message: TextsAnswer): void {
  port.postMessage(message);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
  port.close();
  parentPort!.close();
}

parentPort!.on('message', (request: TextsRequest) => {
  try {
    if (request.kind === 'texts') add(request.batch);
    else answer({ sections: columns.finish(request.inserts) });
  } catch (error) {
    answer({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
});
