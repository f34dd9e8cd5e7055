// core/v1 Endpoints and discovery.k8s.io/v1 EndpointSlice.
import { isIP, isIPv4, isIPv6 } from 'node:net';
import type { ResourceInfo } from '../api/resource-info.js';
import { field, type FieldError } from '../api/status.js';
import { isDNS1123Label, isDNS1123Subdomain, isValidPortNum } from '../api/validation/names.js';
import { validateImmutableField } from '../api/validation/object-meta.js';
import { num, objects, setDefault, str, strings, type Obj } from './fields.js';
import { defineStrategy } from './define.js';
import { supportedProtocol } from './pod-validation.js';
import type { Strategy } from './strategy.js';
import { age, column, nameColumn, ageColumn } from './table.js';

function validatePort(port: Obj, path: string, requireName: boolean, portNumRequired: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(port.name);
  if (requireName && name === '') errs.push(field.required(`${path}.name`));
  else if (name !== '') errs.push(...isDNS1123Label(name).map((msg) => field.invalid(`${path}.name`, name, msg)));
  const n = num(port.port);
  if (n !== undefined || portNumRequired) errs.push(...isValidPortNum(n ?? 0).map((msg) => field.invalid(`${path}.port`, n ?? 0, msg)));
  errs.push(...supportedProtocol(port.protocol, `${path}.protocol`));
  return errs;
}

function listWithMore(list: string[], count: number, max = 3): string {
  const text = list.slice(0, max).join(',');
  if (count > max) return `${text} + ${count - max} more...`;
  return text;
}

function endpointsCell(ep: Parameters<Strategy['validate']>[0]): string {
  const subsets = objects(ep.subsets);
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  let count = 0;
  for (const ss of subsets) {
    const addresses = objects(ss.addresses);
    const ports = objects(ss.ports);
    if (ports.length === 0) {
      count += addresses.length;
      for (const a of addresses) list.push(str(a.ip));
      continue;
    }
    for (const p of ports) {
      count += addresses.length;
      for (const a of addresses) {
        const ip = str(a.ip);
        list.push(`${isIPv6(ip) ? `[${ip}]` : ip}:${num(p.port) ?? 0}`);
      }
    }
  }
  const text = listWithMore(list, count);
  return text === '' ? '<none>' : text;
}

export function endpointsStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    allowCreateOnUpdate: true,
    defaults(ep) {
      for (const ss of objects(ep.subsets)) for (const p of objects(ss.ports)) setDefault(p, 'protocol', 'TCP');
    },
    validate(ep) {
      const errs: FieldError[] = [];
      objects(ep.subsets).forEach((ss, i) => {
        const path = `subsets[${i}]`;
        for (const key of ['addresses', 'notReadyAddresses']) {
          objects(ss[key]).forEach((a, j) => {
            const ip = str(a.ip);
            if (!isIP(ip)) errs.push(field.invalid(`${path}.${key}[${j}].ip`, ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
          });
        }
        const ports = objects(ss.ports);
        ports.forEach((p, j) => errs.push(...validatePort(p, `${path}.ports[${j}]`, ports.length > 1, true)));
      });
      return errs;
    },
    table: {
      columns: [nameColumn, column('Endpoints', 'Endpoints of the service'), ageColumn],
      cells: (ep, now) => [ep.metadata.name ?? '', endpointsCell(ep), age(ep, now)],
    },
  });
}

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];

function validateAddress(address: string, type: string, path: string): FieldError[] {
  if (type === 'IPv4' && !isIPv4(address)) return [field.invalid(path, address, 'must be a valid IPv4 address')];
  if (type === 'IPv6' && !isIPv6(address)) return [field.invalid(path, address, 'must be a valid IPv6 address')];
  if (type === 'FQDN') return isDNS1123Subdomain(address).map((msg) => field.invalid(path, address, msg));
  return [];
}

export function endpointSliceStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    defaults(slice) {
      for (const p of objects(slice.ports)) setDefault(p, 'protocol', 'TCP');
    },
    validate(slice) {
      const errs: FieldError[] = [];
      const type = str(slice.addressType);
      if (!ADDRESS_TYPES.includes(type)) errs.push(field.notSupported('addressType', type, ADDRESS_TYPES));
      objects(slice.endpoints).forEach((ep, i) => {
        const addresses = strings(ep.addresses);
        if (addresses.length === 0) errs.push(field.required(`endpoints[${i}].addresses`, 'must contain at least 1 address'));
        else if (addresses.length > 100) errs.push({ type: 'TooMany', field: `endpoints[${i}].addresses`, value: addresses.length, detail: 'must have at most 100 items' });
        addresses.forEach((a, j) => errs.push(...validateAddress(a, type, `endpoints[${i}].addresses[${j}]`)));
      });
      objects(slice.ports).forEach((p, i) => errs.push(...validatePort(p, `ports[${i}]`, false, false)));
      return errs;
    },
    validateUpdate: (slice, old) => validateImmutableField(slice.addressType, old.addressType, 'addressType'),
    table: {
      columns: [
        nameColumn,
        column('AddressType', 'The IP protocol for this slice'),
        column('Ports', 'The ports for this slice'),
        column('Endpoints', 'First 3 endpoints'),
        ageColumn,
      ],
      cells(slice, now) {
        const ports = objects(slice.ports);
        const portList = ports.map((p) => (num(p.port) !== undefined ? String(num(p.port)) : str(p.name) || '*'));
        const addresses = objects(slice.endpoints).flatMap((ep) => strings(ep.addresses));
        return [
          slice.metadata.name ?? '',
          str(slice.addressType),
          listWithMore(portList, portList.length) || '<unset>',
          listWithMore(addresses, addresses.length) || '<unset>',
          age(slice, now),
        ];
      },
    },
  });
}
