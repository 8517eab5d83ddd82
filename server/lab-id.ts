/**
 * A lab's id: four lowercase letters or digits, random per `npm start`. It names the lab's Redis
 * connections (`s1:pub@k3f9`), ends its flow ids (`s1-7@k3f9`) and marks its monitor batches, so
 * labs that share a Redis can tell their traffic apart.
 */
import { randomInt } from 'node:crypto';

/** What a lab id may be: also what a standalone server's `--lab` accepts. */
export const LAB_ID = /^[a-z0-9]{1,16}$/;

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function newLabId(): string {
  let id = '';
  for (let i = 0; i < 4; i++) id += ALPHABET[randomInt(ALPHABET.length)];
  return id;
}
