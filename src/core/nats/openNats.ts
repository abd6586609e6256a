/**
 * The entry of the lazily loaded NATS bundle (dist/nats.js): connects, starts
 * the replica and returns the backend. Nothing here is loaded unless a server
 * is configured.
 */
import { assertInstanceId } from '../common/names';
import { isCoordError } from '../common/errors';
import type { ServerOptions } from './serverOptions';
import { NatsSession } from './natsSession';
import { NatsReplica } from './natsReplica';
import { NatsCoordination } from './natsCoordination';

export async function openNatsCoordination(
  server: ServerOptions,
  instance: string | null,
  now: () => Date = () => new Date(),
): Promise<NatsCoordination> {
  if (instance !== null) assertInstanceId(instance, 'instance id (--as / CLAUDE_INSTANCE_ID)');
  const session = await NatsSession.open({ ...server, now });
  const replica = new NatsReplica(session);
  try {
    await replica.start();
  } catch (error) {
    await replica.stop();
    await session.close();
    throw isCoordError(error) ? error : session.ioError('load the conversation', error);
  }
  return new NatsCoordination(session, replica, instance, now);
}

export { NatsSession } from './natsSession';
export { NatsReplica } from './natsReplica';
export { Bridge } from './bridge';
export type { BridgePass } from './bridge';
