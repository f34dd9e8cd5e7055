// storage.k8s.io/v1: StorageClass, CSIDriver, CSINode, CSIStorageCapacity and VolumeAttachment — defaults,
// validation with Kubernetes' texts, and the tables `kubectl get sc,csidrivers,csinodes,volumeattachments` print.
import type { KubeObject } from '../api/object.js';
import type { ResourceInfo } from '../api/resource-info.js';
import { field, type FieldError } from '../api/status.js';
import { semanticEqual } from '../api/validation/equality.js';
import { DNS1123_LABEL_MAX, isDNS1123Subdomain, isQualifiedName, maxLenError } from '../api/validation/names.js';
import { validateImmutableField } from '../api/validation/object-meta.js';
import { parseQuantity, QUANTITY_FORMAT_ERROR } from '../api/validation/quantity.js';
import { isDefaultClass } from '../api/volume-util.js';
import { asObj, child, get, objects, setDefault, str, strings } from './fields.js';
import { defineStrategy } from './define.js';
import { validateLabelSelector } from './label-selector.js';
import { storageDocs } from './storage-docs.js';
import type { Strategy } from './strategy.js';
import { age, ageColumn, column, nameColumn } from './table.js';

const RECLAIM_POLICIES = ['Delete', 'Retain'];
const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];
const maxParameters = 512;
const maxParametersSize = 256 * 1024;

function validateProvisionerName(name: string, path: string): FieldError[] {
  if (name === '') return [field.required(path, '')];
  return isQualifiedName(name.toLowerCase()).map((msg) => field.invalid(path, name, msg));
}

function validateParameters(params: unknown, path: string): FieldError[] {
  const p = asObj(params) ?? {};
  const keys = Object.keys(p);
  if (keys.length > maxParameters) return [field.tooLong(path, maxParameters)];
  const errs: FieldError[] = [];
  let size = 0;
  for (const k of keys) {
    if (k === '') errs.push(field.invalid(path, k, 'field can not be empty.'));
    size += Buffer.byteLength(k) + Buffer.byteLength(str(p[k]));
  }
  if (size > maxParametersSize) errs.push(field.tooLong(path, maxParametersSize));
  return errs;
}

export function validateStorageClass(sc: KubeObject): FieldError[] {
  const errs = [...validateProvisionerName(str(sc['provisioner']), 'provisioner'), ...validateParameters(sc['parameters'], 'parameters')];
  const policy = sc['reclaimPolicy'];
  if (typeof policy === 'string' && policy !== '' && !RECLAIM_POLICIES.includes(policy)) errs.push(field.notSupported('reclaimPolicy', policy, RECLAIM_POLICIES));
  const mode = sc['volumeBindingMode'];
  if (mode === undefined || mode === null) errs.push(field.required('volumeBindingMode', ''));
  else if (!BINDING_MODES.includes(str(mode))) errs.push(field.notSupported('volumeBindingMode', mode, BINDING_MODES));
  objects(sc['allowedTopologies']).forEach((term, i) => {
    const exprs = objects(term['matchLabelExpressions']);
    if (exprs.length === 0) errs.push(field.required(`allowedTopologies[${i}].matchLabelExpressions`, 'must have at least one label selector requirement'));
    exprs.forEach((e, j) => {
      const p = `allowedTopologies[${i}].matchLabelExpressions[${j}]`;
      for (const msg of isQualifiedName(str(e['key']))) errs.push(field.invalid(`${p}.key`, str(e['key']), msg));
      if (strings(e['values']).length === 0) errs.push(field.required(`${p}.values`, 'must specify as least one value'));
    });
  });
  return errs;
}

export function validateStorageClassUpdate(sc: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (!semanticEqual(sc['parameters'] ?? {}, old['parameters'] ?? {})) errs.push(field.forbidden('parameters', 'updates to parameters are forbidden.'));
  if (str(sc['provisioner']) !== str(old['provisioner'])) errs.push(field.forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (str(sc['reclaimPolicy']) !== str(old['reclaimPolicy'])) errs.push(field.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  errs.push(...validateImmutableField(sc['volumeBindingMode'], old['volumeBindingMode'], 'volumeBindingMode'));
  return errs;
}

export function storageClassStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    defaults(sc) {
      setDefault(sc, 'reclaimPolicy', 'Delete');
      setDefault(sc, 'volumeBindingMode', 'Immediate');
    },
    validate: validateStorageClass,
    validateUpdate: validateStorageClassUpdate,
    table: {
      columns: [
        nameColumn,
        column('Provisioner', storageDocs['StorageClass.provisioner']),
        column('ReclaimPolicy', storageDocs['StorageClass.reclaimPolicy']),
        column('VolumeBindingMode', storageDocs['StorageClass.volumeBindingMode']),
        column('AllowVolumeExpansion', storageDocs['StorageClass.allowVolumeExpansion']),
        ageColumn,
      ],
      cells(sc, now) {
        const name = `${sc.metadata.name ?? ''}${isDefaultClass(sc) ? ' (default)' : ''}`;
        return [name, str(sc['provisioner']), str(sc['reclaimPolicy']) || 'Delete', str(sc['volumeBindingMode']) || 'Immediate', sc['allowVolumeExpansion'] === true, age(sc, now)];
      },
    },
  });
}

// ---- CSIDriver ----

const LIFECYCLE_MODES = ['Ephemeral', 'Persistent'];
const FS_GROUP_POLICIES = ['File', 'None', 'ReadWriteOnceWithFSType'];

function validateCSIDriverName(name: string): string[] {
  const errs: string[] = [];
  if (name.length > DNS1123_LABEL_MAX) errs.push(maxLenError(DNS1123_LABEL_MAX));
  return [...errs, ...isDNS1123Subdomain(name.toLowerCase())];
}

export function csiDriverStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    nameValidator: (name) => validateCSIDriverName(name),
    defaults(d) {
      const spec = child(d, 'spec');
      setDefault(spec, 'attachRequired', true);
      setDefault(spec, 'podInfoOnMount', false);
      setDefault(spec, 'storageCapacity', false);
      setDefault(spec, 'fsGroupPolicy', 'ReadWriteOnceWithFSType');
      setDefault(spec, 'requiresRepublish', false);
      if (!Array.isArray(spec['volumeLifecycleModes']) || spec['volumeLifecycleModes'].length === 0) spec['volumeLifecycleModes'] = ['Persistent'];
    },
    validate(d) {
      const spec = asObj(d['spec']) ?? {};
      const errs: FieldError[] = [];
      if (spec['attachRequired'] === undefined || spec['attachRequired'] === null) errs.push(field.required('spec.attachRequired', ''));
      if (spec['podInfoOnMount'] === undefined || spec['podInfoOnMount'] === null) errs.push(field.required('spec.podInfoOnMount', ''));
      if (spec['storageCapacity'] === undefined || spec['storageCapacity'] === null) errs.push(field.required('spec.storageCapacity', ''));
      const policy = spec['fsGroupPolicy'];
      if (policy !== undefined && !FS_GROUP_POLICIES.includes(str(policy))) errs.push(field.notSupported('spec.fsGroupPolicy', policy, FS_GROUP_POLICIES));
      for (const m of strings(spec['volumeLifecycleModes'])) if (!LIFECYCLE_MODES.includes(m)) errs.push(field.notSupported('spec.volumeLifecycleModes', m, LIFECYCLE_MODES));
      const audiences = new Set<string>();
      objects(spec['tokenRequests']).forEach((t, i) => {
        const aud = str(t['audience']);
        if (audiences.has(aud)) errs.push(field.duplicate(`spec.tokenRequests[${i}].audience`, aud));
        audiences.add(aud);
        const exp = t['expirationSeconds'];
        if (typeof exp === 'number' && exp < 600) errs.push(field.invalid(`spec.tokenRequests[${i}].expirationSeconds`, exp, 'may not specify a duration less than 10 minutes'));
      });
      return errs;
    },
    validateUpdate(d, old) {
      return [
        ...validateImmutableField(get(d, 'spec', 'attachRequired'), get(old, 'spec', 'attachRequired'), 'spec.attachRequired'),
        ...validateImmutableField(get(d, 'spec', 'fsGroupPolicy'), get(old, 'spec', 'fsGroupPolicy'), 'spec.fsGroupPolicy'),
        ...validateImmutableField(get(d, 'spec', 'volumeLifecycleModes'), get(old, 'spec', 'volumeLifecycleModes'), 'spec.volumeLifecycleModes'),
      ];
    },
    table: {
      columns: [
        nameColumn,
        column('AttachRequired', storageDocs['CSIDriverSpec.attachRequired'], { type: 'boolean' }),
        column('PodInfoOnMount', storageDocs['CSIDriverSpec.podInfoOnMount'], { type: 'boolean' }),
        column('StorageCapacity', storageDocs['CSIDriverSpec.storageCapacity'], { type: 'boolean' }),
        column('TokenRequests', storageDocs['CSIDriverSpec.tokenRequests']),
        column('RequiresRepublish', storageDocs['CSIDriverSpec.requiresRepublish'], { type: 'boolean' }),
        column('Modes', storageDocs['CSIDriverSpec.volumeLifecycleModes']),
        ageColumn,
      ],
      cells(d, now) {
        const spec = asObj(d['spec']) ?? {};
        const modes = strings(spec['volumeLifecycleModes']).join(',');
        const tokenRequests = Array.isArray(spec['tokenRequests']) ? objects(spec['tokenRequests']).map((t) => str(t['audience'])).join(',') : '<unset>';
        return [d.metadata.name ?? '', spec['attachRequired'] !== false, spec['podInfoOnMount'] === true, spec['storageCapacity'] === true, tokenRequests, spec['requiresRepublish'] === true, modes || '<none>', age(d, now)];
      },
    },
  });
}

// ---- CSINode ----

export function csiNodeStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    validate(n) {
      const errs: FieldError[] = [];
      const names = new Set<string>();
      objects(get(n, 'spec', 'drivers')).forEach((d, i) => {
        const p = `spec.drivers[${i}]`;
        const name = str(d['name']);
        if (name === '') errs.push(field.required(`${p}.name`, ''));
        else for (const msg of validateCSIDriverName(name)) errs.push(field.invalid(`${p}.name`, name, msg));
        if (names.has(name)) errs.push(field.duplicate(`${p}.name`, name));
        names.add(name);
        const nodeID = str(d['nodeID']);
        if (nodeID === '') errs.push(field.required(`${p}.nodeID`, ''));
        else if (nodeID.length > 192) errs.push(field.tooLong(`${p}.nodeID`, 192));
        const count = get(d, 'allocatable', 'count');
        if (typeof count === 'number' && count < 0) errs.push(field.invalid(`${p}.allocatable.count`, count, 'must be greater than or equal to 0'));
        for (const key of strings(d['topologyKeys'])) for (const msg of isQualifiedName(key)) errs.push(field.invalid(`${p}.topologyKeys`, key, msg));
      });
      return errs;
    },
    table: {
      columns: [nameColumn, column('Drivers', 'Drivers indicates the number of CSI drivers registered on the node', { type: 'integer' }), ageColumn],
      cells: (n, now) => [n.metadata.name ?? '', objects(get(n, 'spec', 'drivers')).length, age(n, now)],
    },
  });
}

// ---- CSIStorageCapacity ----

function nonNegativeQuantity(q: unknown, path: string): FieldError[] {
  if (q === undefined || q === null) return [];
  const v = parseQuantity(q);
  if (v === undefined) return [field.invalid(path, q, QUANTITY_FORMAT_ERROR)];
  return v < 0 ? [field.invalid(path, String(q), 'must be greater than or equal to 0')] : [];
}

export function csiStorageCapacityStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    validate(c) {
      const errs: FieldError[] = [];
      const cls = str(c['storageClassName']);
      if (cls === '') errs.push(field.required('storageClassName', ''));
      else for (const msg of isDNS1123Subdomain(cls)) errs.push(field.invalid('storageClassName', cls, msg));
      errs.push(...validateLabelSelector(c['nodeTopology'], 'nodeTopology'));
      errs.push(...nonNegativeQuantity(c['capacity'], 'capacity'), ...nonNegativeQuantity(c['maximumVolumeSize'], 'maximumVolumeSize'));
      return errs;
    },
    validateUpdate: (c, old) => validateImmutableField(c['storageClassName'], old['storageClassName'], 'storageClassName'),
    table: {
      columns: [nameColumn, column('StorageClassName', storageDocs['CSIStorageCapacity.storageClassName']), column('Capacity', storageDocs['CSIStorageCapacity.capacity'])],
      cells: (c) => [c.metadata.name ?? '', str(c['storageClassName']), c['capacity'] === undefined ? '<unset>' : String(c['capacity'])],
    },
  });
}

// ---- VolumeAttachment ----

function validateVolumeAttachmentSpec(spec: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  const attacher = str(spec['attacher']);
  if (attacher === '') errs.push(field.required('spec.attacher', ''));
  else errs.push(...validateProvisionerName(attacher, 'spec.attacher'));
  const source = asObj(spec['source']) ?? {};
  const hasName = source['persistentVolumeName'] !== undefined && source['persistentVolumeName'] !== null;
  const hasInline = source['inlineVolumeSpec'] !== undefined && source['inlineVolumeSpec'] !== null;
  if (hasName === hasInline) errs.push(field.required('spec.source', 'must specify exactly one of inlineVolumeSpec and persistentVolumeName'));
  else if (hasName && str(source['persistentVolumeName']) === '') errs.push(field.required('spec.source.persistentVolumeName', 'must specify non empty persistentVolumeName'));
  const node = str(spec['nodeName']);
  if (node === '') errs.push(field.required('spec.nodeName', ''));
  else for (const msg of isDNS1123Subdomain(node)) errs.push(field.invalid('spec.nodeName', node, msg));
  return errs;
}

export function volumeAttachmentStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    statusFields: { attached: false },
    validate: (va) => validateVolumeAttachmentSpec(asObj(va['spec']) ?? {}),
    validateUpdate: (va, old) => (semanticEqual(va['spec'], old['spec']) ? [] : [field.invalid('spec', va['spec'], 'field is immutable')]),
    validateStatusUpdate(va) {
      const errs: FieldError[] = [];
      const meta = asObj(get(va, 'status', 'attachmentMetadata')) ?? {};
      let size = 0;
      for (const [k, v] of Object.entries(meta)) size += k.length + str(v).length;
      if (size > 256 * 1024) errs.push(field.tooLong('status.attachmentMetadata', 256 * 1024));
      return errs;
    },
    table: {
      columns: [
        nameColumn,
        column('Attacher', storageDocs['VolumeAttachmentSpec.attacher']),
        column('PV', storageDocs['VolumeAttachmentSource.persistentVolumeName']),
        column('Node', storageDocs['VolumeAttachmentSpec.nodeName']),
        column('Attached', storageDocs['VolumeAttachmentStatus.attached'], { type: 'boolean' }),
        ageColumn,
      ],
      cells: (va, now) => [va.metadata.name ?? '', str(get(va, 'spec', 'attacher')), str(get(va, 'spec', 'source', 'persistentVolumeName')), str(get(va, 'spec', 'nodeName')), get(va, 'status', 'attached') === true, age(va, now)],
    },
  });
}
