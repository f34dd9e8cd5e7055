// flowcontrol.apiserver.k8s.io/v1 FlowSchema and PriorityLevelConfiguration: v1 defaults, kube-apiserver's
// validation (pkg/apis/flowcontrol/validation's texts, the fixed specs of the mandatory objects) and the tables.
import { mandatoryFlowSchemas, mandatoryPriorityLevels } from '../api/flowcontrol/bootstrap.js';
import { defaultFlowSchemaSpec, defaultPriorityLevelSpec } from '../api/flowcontrol/defaults.js';
import { danglingCondition, exemptName } from '../api/flowcontrol/types.js';
import type { KubeObject } from '../api/object.js';
import type { ResourceInfo } from '../api/resource-info.js';
import { field, type FieldError } from '../api/status.js';
import { semanticEqual } from '../api/validation/equality.js';
import { isDNS1123Label, isDNS1123Subdomain } from '../api/validation/names.js';
import { asObj, get, num, objects, str, strings } from './fields.js';
import { defineStrategy } from './define.js';
import type { Strategy } from './strategy.js';
import { age, ageColumn, column, nameColumn } from './table.js';

const maxMatchingPrecedence = 10000;
const maxQueues = 10_000_000;
/** The hash bits shuffle sharding deals from. */
export const maxHashBits = 60;
const supportedVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'proxy', 'update', 'watch'];
const nsErrIntro = "each member of this list must be '*' or a DNS-1123 label; ";

/** Bits of hash needed to deal `handSize` cards from `deckSize` (shufflesharding.RequiredEntropyBits). */
export function requiredEntropyBits(deckSize: number, handSize: number): number {
  return Math.ceil(Math.log2(deckSize) * handSize);
}

const hasWildcard = (list: string[]) => list.includes('*');

function validateVerbs(verbs: string[], at: string): FieldError[] {
  if (verbs.length === 0) return [field.required(`${at}.verbs`, 'verbs must contain at least one value')];
  if (hasWildcard(verbs)) return verbs.length > 1 ? [field.invalid(`${at}.verbs`, verbs, "if '*' is present, must not specify other verbs")] : [];
  return verbs.every((v) => supportedVerbs.includes(v)) ? [] : [field.notSupported(`${at}.verbs`, verbs, supportedVerbs)];
}

/** ValidateNonResourceURLPath: a leading slash, no blanks or double slashes, "*" only as a final "/*". */
function validateNonResourceURL(path: string, at: string): FieldError | undefined {
  if (path === '') return field.invalid(at, path, 'must not be empty');
  if (path === '/') return undefined;
  if (!path.startsWith('/')) return field.invalid(at, path, 'must start with slash');
  if (path.includes(' ')) return field.invalid(at, path, 'must not contain white-space');
  if (path.includes('//')) return field.invalid(at, path, 'must not contain double slash');
  const stars = path.split('*').length - 1;
  if (stars > 1 || (stars === 1 && !path.endsWith('/*'))) return field.invalid(at, path, 'wildcard can only do suffix matching');
  return undefined;
}

function validateSubject(s: Record<string, unknown>, at: string): FieldError[] {
  const errs: FieldError[] = [];
  const kind = str(s['kind']);
  const present = (k: string) => s[k] !== undefined && s[k] !== null;
  const forbid = (k: 'user' | 'group' | 'serviceAccount', asKind: string) => {
    if (present(k)) errs.push(field.forbidden(`${at}.${k}`, `${k} is forbidden when subject kind is not '${asKind}'`));
  };
  if (kind === 'ServiceAccount') {
    const sa = asObj(s['serviceAccount']);
    if (!sa) errs.push(field.required(`${at}.serviceAccount`, "serviceAccount is required when subject kind is 'ServiceAccount'"));
    else {
      const name = str(sa['name']);
      if (name === '') errs.push(field.required(`${at}.serviceAccount.name`));
      else if (name !== '*') for (const m of isDNS1123Subdomain(name)) errs.push(field.invalid(`${at}.serviceAccount.name`, name, m));
      const ns = str(sa['namespace']);
      if (ns === '') errs.push(field.required(`${at}.serviceAccount.namespace`, 'must specify namespace for service account'));
      else for (const m of isDNS1123Label(ns)) errs.push(field.invalid(`${at}.serviceAccount.namespace`, ns, m));
    }
    forbid('user', 'User');
    forbid('group', 'Group');
  } else if (kind === 'User' || kind === 'Group') {
    const key = kind === 'User' ? 'user' : 'group';
    const sub = asObj(s[key]);
    if (!sub) errs.push(field.required(`${at}.${key}`, `${key} is required when subject kind is '${kind}'`));
    else if (str(sub['name']) === '') errs.push(field.required(`${at}.${key}.name`));
    forbid('serviceAccount', 'ServiceAccount');
    forbid(kind === 'User' ? 'group' : 'user', kind === 'User' ? 'Group' : 'User');
  } else {
    errs.push(field.notSupported(`${at}.kind`, kind, ['Group', 'ServiceAccount', 'User']));
  }
  return errs;
}

function validateResourceRule(r: Record<string, unknown>, at: string): FieldError[] {
  const errs = validateVerbs(strings(r['verbs']), at);
  const apiGroups = strings(r['apiGroups']);
  if (apiGroups.length === 0) errs.push(field.required(`${at}.apiGroups`, 'resource rules must supply at least one api group'));
  else if (apiGroups.length > 1 && hasWildcard(apiGroups)) errs.push(field.invalid(`${at}.apiGroups`, apiGroups, "if '*' is present, must not specify other api groups"));
  const resources = strings(r['resources']);
  if (resources.length === 0) errs.push(field.required(`${at}.resources`, 'resource rules must supply at least one resource'));
  else if (resources.length > 1 && hasWildcard(resources)) errs.push(field.invalid(`${at}.resources`, resources, "if '*' is present, must not specify other resources"));
  const namespaces = strings(r['namespaces']);
  if (namespaces.length === 0 && r['clusterScope'] !== true) {
    errs.push(field.required(`${at}.namespaces`, 'resource rules that are not cluster scoped must supply at least one namespace'));
  } else if (hasWildcard(namespaces)) {
    if (namespaces.length > 1) errs.push(field.invalid(`${at}.namespaces`, namespaces, "if '*' is present, must not specify other namespaces"));
  } else {
    namespaces.forEach((ns, i) => {
      for (const m of isDNS1123Label(ns)) errs.push(field.invalid(`${at}.namespaces[${i}]`, ns, nsErrIntro + m));
    });
  }
  return errs;
}

function validateNonResourceRule(r: Record<string, unknown>, at: string): FieldError[] {
  const errs = validateVerbs(strings(r['verbs']), at);
  const urls = strings(r['nonResourceURLs']);
  if (urls.length === 0) errs.push(field.required(`${at}.nonResourceURLs`, 'nonResourceURLs must contain at least one value'));
  else if (hasWildcard(urls)) {
    if (urls.length > 1) errs.push(field.invalid(`${at}.nonResourceURLs`, urls, "if '*' is present, must not specify other non-resource URLs"));
  } else {
    urls.forEach((u, i) => {
      const e = validateNonResourceURL(u, `${at}.nonResourceURLs[${i}]`);
      if (e) errs.push(e);
    });
  }
  return errs;
}

function validateConditions(status: unknown): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  objects(get(status, 'conditions')).forEach((c, i) => {
    const type = str(c['type']);
    if (seen.has(type)) errs.push(field.duplicate(`status.conditions[${i}].type`, type));
    seen.add(type);
    if (type === '') errs.push(field.required(`status.conditions[${i}].type`, 'must not be empty'));
  });
  return errs;
}

export function validateFlowSchema(fs: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const name = fs.metadata.name ?? '';
  const spec = asObj(fs['spec']) ?? {};
  const precedence = num(spec['matchingPrecedence']) ?? 0;
  if (precedence <= 0) errs.push(field.invalid('spec.matchingPrecedence', precedence, 'must be a positive value'));
  if (precedence > maxMatchingPrecedence) errs.push(field.invalid('spec.matchingPrecedence', precedence, `must not be greater than ${maxMatchingPrecedence}`));
  if (precedence === 1 && name !== exemptName) errs.push(field.invalid('spec.matchingPrecedence', precedence, "only the schema named 'exempt' may have matchingPrecedence 1"));
  const dm = asObj(spec['distinguisherMethod']);
  if (dm && !['ByNamespace', 'ByUser'].includes(str(dm['type']))) errs.push(field.notSupported('spec.distinguisherMethod.type', dm, ['ByNamespace', 'ByUser']));
  const level = str(get(spec, 'priorityLevelConfiguration', 'name'));
  if (level === '') errs.push(field.required('spec.priorityLevelConfiguration.name', 'must reference a priority level'));
  else for (const m of isDNS1123Subdomain(level)) errs.push(field.invalid('spec.priorityLevelConfiguration.name', level, m));
  objects(spec['rules']).forEach((rule, i) => {
    const at = `spec.rules[${i}]`;
    const subjects = objects(rule['subjects']);
    if (subjects.length === 0) errs.push(field.required(`${at}.subjects`, 'subjects must contain at least one value'));
    subjects.forEach((s, j) => errs.push(...validateSubject(s, `${at}.subjects[${j}]`)));
    const resourceRules = objects(rule['resourceRules']);
    const nonResourceRules = objects(rule['nonResourceRules']);
    if (resourceRules.length === 0 && nonResourceRules.length === 0) errs.push(field.required(at, 'at least one of resourceRules and nonResourceRules has to be non-empty'));
    resourceRules.forEach((r, j) => errs.push(...validateResourceRule(r, `${at}.resourceRules[${j}]`)));
    nonResourceRules.forEach((r, j) => errs.push(...validateNonResourceRule(r, `${at}.nonResourceRules[${j}]`)));
  });
  const mandatory = mandatoryFlowSchemas.find((m) => m.metadata.name === name);
  if (mandatory && !semanticEqual(fs['spec'], mandatory.spec)) errs.push(field.invalid('spec', fs['spec'], `spec of '${name}' must equal the fixed value`));
  errs.push(...validateConditions(fs['status']));
  return errs;
}

function validateQueuing(q: Record<string, unknown>, at: string): FieldError[] {
  const errs: FieldError[] = [];
  const limit = num(q['queueLengthLimit']) ?? 0;
  const queues = num(q['queues']) ?? 0;
  const hand = num(q['handSize']) ?? 0;
  if (limit <= 0) errs.push(field.invalid(`${at}.queueLengthLimit`, limit, 'must be positive'));
  if (queues <= 0) errs.push(field.invalid(`${at}.queues`, queues, 'must be positive'));
  else if (queues > maxQueues) errs.push(field.invalid(`${at}.queues`, queues, `must not be greater than ${maxQueues}`));
  if (hand <= 0) errs.push(field.invalid(`${at}.handSize`, hand, 'must be positive'));
  else if (hand > queues) errs.push(field.invalid(`${at}.handSize`, hand, `should not be greater than queues (${queues})`));
  else if (requiredEntropyBits(queues, hand) > maxHashBits) {
    errs.push(field.invalid(`${at}.handSize`, hand, `required entropy bits of deckSize ${queues} and handSize ${hand} should not be greater than ${maxHashBits}`));
  }
  return errs;
}

function validatePercent(v: unknown, at: string): FieldError[] {
  const n = num(v);
  return n !== undefined && !(n >= 0 && n <= 100) ? [field.invalid(at, n, 'must be between 0 and 100, inclusive')] : [];
}

export function validatePriorityLevel(pl: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const name = pl.metadata.name ?? '';
  const spec = asObj(pl['spec']) ?? {};
  const type = str(spec['type']);
  const present = (k: string) => spec[k] !== undefined && spec[k] !== null;
  if ((name === exemptName) !== (type === 'Exempt')) errs.push(field.invalid('spec.type', type, "type must be 'Exempt' if and only if name is 'exempt'"));
  if (type === 'Exempt') {
    if (present('limited')) errs.push(field.forbidden('spec.limited', 'must be nil if the type is not Limited'));
    const exempt = asObj(spec['exempt']);
    if (exempt) {
      const shares = num(exempt['nominalConcurrencyShares']);
      if (shares !== undefined && shares < 0) errs.push(field.invalid('spec.exempt.nominalConcurrencyShares', shares, 'must be a non-negative integer'));
      errs.push(...validatePercent(exempt['lendablePercent'], 'spec.exempt.lendablePercent'));
    }
  } else if (type === 'Limited') {
    if (present('exempt')) errs.push(field.forbidden('spec.exempt', 'must be nil if the type is Limited'));
    const limited = asObj(spec['limited']);
    if (!limited) errs.push(field.required('spec.limited', 'must not be empty when type is Limited'));
    else {
      const shares = num(limited['nominalConcurrencyShares']) ?? 0;
      if (shares < 0) errs.push(field.invalid('spec.limited.nominalConcurrencyShares', shares, 'must be a non-negative integer'));
      const response = asObj(limited['limitResponse']) ?? {};
      const responseType = str(response['type']);
      const queuing = asObj(response['queuing']);
      if (responseType === 'Reject') {
        if (queuing) errs.push(field.forbidden('spec.limited.limitResponse.queuing', 'must be nil if limited.limitResponse.type is not Limited'));
      } else if (responseType === 'Queue') {
        if (!queuing) errs.push(field.required('spec.limited.limitResponse.queuing', 'must not be empty if limited.limitResponse.type is Limited'));
        else errs.push(...validateQueuing(queuing, 'spec.limited.limitResponse.queuing'));
      } else {
        errs.push(field.notSupported('spec.limited.limitResponse.type', responseType, ['Queue', 'Reject']));
      }
      errs.push(...validatePercent(limited['lendablePercent'], 'spec.limited.lendablePercent'));
      const borrowing = num(limited['borrowingLimitPercent']);
      if (borrowing !== undefined && borrowing < 0) errs.push(field.invalid('spec.limited.borrowingLimitPercent', borrowing, 'if specified, must be a non-negative integer'));
    }
  } else {
    errs.push(field.notSupported('spec.type', type, ['Exempt', 'Limited']));
  }
  const mandatory = mandatoryPriorityLevels.find((m) => m.metadata.name === name);
  if (mandatory) {
    if (name === exemptName) {
      // only spec.exempt of the exempt level may be changed
      const have = { ...spec, exempt: mandatory.spec.exempt };
      if (!semanticEqual(have, mandatory.spec)) errs.push(field.invalid('spec', pl['spec'], `spec of '${name}' except the 'spec.exempt' field must equal the fixed value`));
    } else if (!semanticEqual(pl['spec'], mandatory.spec)) {
      errs.push(field.invalid('spec', pl['spec'], `spec of '${name}' must equal the fixed value`));
    }
  }
  errs.push(...validateConditions(pl['status']));
  return errs;
}

export function flowSchemaStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    tracksGeneration: true,
    defaults(fs) {
      defaultFlowSchemaSpec(fs['spec']);
    },
    validate: validateFlowSchema,
    validateStatusUpdate: (fs) => validateConditions(fs['status']),
    table: {
      columns: [
        nameColumn,
        column('PriorityLevel', '`name` is the name of the priority level configuration being referenced Required.'),
        column('MatchingPrecedence', '`matchingPrecedence` is used to choose among the FlowSchemas that match a given request. The chosen FlowSchema is among those with the numerically lowest (which we take to be logically highest) MatchingPrecedence.  Each MatchingPrecedence value must be ranged in [1,10000]. Note that if the precedence is not specified, it will be set to 1000 as default.'),
        column('DistinguisherMethod', '`distinguisherMethod` defines how to compute the flow distinguisher for requests that match this schema. `nil` specifies that the distinguisher is disabled and thus will always be the empty string.'),
        ageColumn,
        column('MissingPL', 'references a broken or non-existent PriorityLevelConfiguration'),
      ],
      cells(fs, now) {
        const dm = str(get(fs, 'spec', 'distinguisherMethod', 'type'));
        const dangling = objects(get(fs, 'status', 'conditions')).find((c) => c['type'] === danglingCondition);
        return [
          fs.metadata.name ?? '',
          str(get(fs, 'spec', 'priorityLevelConfiguration', 'name')),
          num(get(fs, 'spec', 'matchingPrecedence')) ?? 0,
          dm === '' ? '<none>' : dm,
          age(fs, now),
          dangling ? str(dangling['status']) : '?',
        ];
      },
    },
  });
}

export function priorityLevelStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    tracksGeneration: true,
    defaults(pl) {
      defaultPriorityLevelSpec(pl['spec']);
    },
    validate: validatePriorityLevel,
    validateStatusUpdate: (pl) => validateConditions(pl['status']),
    table: {
      columns: [
        nameColumn,
        column('Type', '`type` indicates whether this priority level is subject to limitation on request execution.  A value of `"Exempt"` means that requests of this priority level are not subject to a limit (and thus are never queued) and do not detract from the capacity made available to other priority levels.  A value of `"Limited"` means that (a) requests of this priority level _are_ subject to limits and (b) some of the server\'s limited capacity is made available exclusively to this priority level. Required.'),
        column('NominalConcurrencyShares', 'nominalConcurrencyShares (NCS) is the share of the server\'s concurrency limit that this priority level nominally holds (see the field\'s description in the API).'),
        column('Queues', '`queues` is the number of queues for this priority level. The queues exist independently at each apiserver. The value must be positive.  Setting it to 1 effectively precludes shufflesharding and thus makes the distinguisher method of associated flow schemas irrelevant.  This field has a default value of 64.'),
        column('HandSize', '`handSize` is a small positive number that configures the shuffle sharding of requests into queues.  When enqueuing a request at this priority level the request\'s flow identifier (a string pair) is hashed and the hash value is used to shuffle the list of queues and deal a hand of the size specified here.  The request is put into one of the shortest queues in that hand. `handSize` must be no larger than `queues`, and should be significantly smaller (so that a few heavy flows do not saturate most of the queues).  See the user-facing documentation for more extensive guidance on setting this field.  This field has a default value of 8.'),
        column('QueueLengthLimit', '`queueLengthLimit` is the maximum number of requests allowed to be waiting in a given queue of this priority level at a time; excess requests are rejected.  This value must be positive.  If not specified, it will be defaulted to 50.'),
        ageColumn,
      ],
      cells(pl, now) {
        const limited = asObj(get(pl, 'spec', 'limited'));
        const queuing = asObj(get(limited, 'limitResponse', 'queuing'));
        const none = '<none>';
        return [
          pl.metadata.name ?? '',
          str(get(pl, 'spec', 'type')),
          limited ? (num(limited['nominalConcurrencyShares']) ?? 0) : none,
          queuing ? (num(queuing['queues']) ?? 0) : none,
          queuing ? (num(queuing['handSize']) ?? 0) : none,
          queuing ? (num(queuing['queueLengthLimit']) ?? 0) : none,
          age(pl, now),
        ];
      },
    },
  });
}
