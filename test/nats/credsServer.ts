/**
 * A nats-server in operator mode (JWT accounts in a memory resolver) and
 * `.creds` files for it, made here with the client's nkeys as `nsc` would:
 * an operator signs a system account and an account with JetStream; the
 * account signs a user. A second user is signed by an account the server
 * does not know.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { nkeys } from '@nats-io/nats-core';
import { tempDir } from '../support/helpers';
import { type NatsServer, startServer } from './natsServer';

type KeyPair = ReturnType<typeof nkeys.createUser>;

const UNLIMITED = { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 };
const JETSTREAM = { mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1 };

function encodeJwt(signer: KeyPair, claims: Record<string, unknown>): string {
  const b64 = (data: string | Uint8Array) => Buffer.from(data).toString('base64url');
  const body: Record<string, unknown> = { ...claims, iat: Math.floor(Date.now() / 1000), iss: signer.getPublicKey() };
  body.jti = crypto.createHash('sha256').update(JSON.stringify(body)).digest('base64url');
  const signed = `${b64(JSON.stringify({ typ: 'JWT', alg: 'ed25519-nkey' }))}.${b64(JSON.stringify(body))}`;
  return `${signed}.${b64(signer.sign(Buffer.from(signed)))}`;
}

function writeCreds(file: string, account: KeyPair, name: string): string {
  const user = nkeys.createUser();
  const jwt = encodeJwt(account, {
    sub: user.getPublicKey(),
    name,
    nats: { type: 'user', version: 2, pub: {}, sub: {}, subs: -1, data: -1, payload: -1 },
  });
  const seed = new TextDecoder().decode(user.getSeed());
  fs.writeFileSync(
    file,
    `-----BEGIN NATS USER JWT-----\n${jwt}\n------END NATS USER JWT------\n\n` +
      `-----BEGIN USER NKEY SEED-----\n${seed}\n------END USER NKEY SEED------\n`,
  );
  return file;
}

export async function startCredsServer(): Promise<{ server: NatsServer; creds: string; foreignCreds: string }> {
  const dir = tempDir('coord-creds-');
  const operator = nkeys.createOperator();
  const system = nkeys.createAccount();
  const account = nkeys.createAccount();
  const accountJwt = (kp: KeyPair, name: string, limits: object) =>
    encodeJwt(operator, { sub: kp.getPublicKey(), name, nats: { type: 'account', version: 2, limits } });
  const extra = [
    `operator: ${encodeJwt(operator, {
      sub: operator.getPublicKey(),
      name: 'coord-test',
      nats: { type: 'operator', version: 2, system_account: system.getPublicKey() },
    })}`,
    `system_account: ${system.getPublicKey()}`,
    'resolver: MEMORY',
    'resolver_preload: {',
    `  ${system.getPublicKey()}: ${accountJwt(system, 'SYS', UNLIMITED)}`,
    `  ${account.getPublicKey()}: ${accountJwt(account, 'coord', { ...UNLIMITED, ...JETSTREAM })}`,
    '}',
  ].join('\n');
  const server = await startServer({ extra });
  return {
    server,
    creds: writeCreds(path.join(dir, 'agent.creds'), account, 'agent'),
    foreignCreds: writeCreds(path.join(dir, 'foreign.creds'), nkeys.createAccount(), 'stranger'),
  };
}
