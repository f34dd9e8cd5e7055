// metadata.generateName: the base (cut to 58 characters) and five characters of Kubernetes' alphabet.
import { randomInt } from 'node:crypto';

const nameAlphabet = 'bcdfghjklmnpqrstvwxz2456789';
const maxGeneratedNameBase = 58;
export const generateNameAttempts = 8;

export function generateName(base: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += nameAlphabet[randomInt(nameAlphabet.length)];
  return base.slice(0, maxGeneratedNameBase) + suffix;
}

/** "/registry/<group or core>/<resource>/" */
