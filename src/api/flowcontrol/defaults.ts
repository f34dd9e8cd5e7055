// flowcontrol/v1 defaulting, as kube-apiserver applies it on every write (and as the configuration controller
// compares stored specs with the shipped ones).
import { getOwn } from '../own.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const unset = (v: unknown) => v === undefined || v === null;

export function defaultFlowSchemaSpec(spec: unknown): void {
  if (!isObj(spec)) return;
  if (unset(getOwn(spec, 'matchingPrecedence')) || spec['matchingPrecedence'] === 0) spec['matchingPrecedence'] = 1000;
}

export function defaultPriorityLevelSpec(spec: unknown): void {
  if (!isObj(spec)) return;
  const limited = getOwn(spec, 'limited');
  if (isObj(limited)) {
    if (unset(getOwn(limited, 'nominalConcurrencyShares'))) limited['nominalConcurrencyShares'] = 30;
    if (unset(getOwn(limited, 'lendablePercent'))) limited['lendablePercent'] = 0;
    const response = getOwn(limited, 'limitResponse');
    const queuing = isObj(response) ? getOwn(response, 'queuing') : undefined;
    if (isObj(queuing)) {
      if (unset(getOwn(queuing, 'queues')) || queuing['queues'] === 0) queuing['queues'] = 64;
      if (unset(getOwn(queuing, 'handSize')) || queuing['handSize'] === 0) queuing['handSize'] = 8;
      if (unset(getOwn(queuing, 'queueLengthLimit')) || queuing['queueLengthLimit'] === 0) queuing['queueLengthLimit'] = 50;
    }
  }
  const exempt = getOwn(spec, 'exempt');
  if (isObj(exempt)) {
    if (unset(getOwn(exempt, 'nominalConcurrencyShares'))) exempt['nominalConcurrencyShares'] = 0;
    if (unset(getOwn(exempt, 'lendablePercent'))) exempt['lendablePercent'] = 0;
  }
}
