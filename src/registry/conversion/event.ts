// events.k8s.io/v1 Events are core/v1 Events seen through another schema: stored in the core form, under the core
// Events' keys, so an Event written through either group is read, listed and watched through both.
import { coreEventApiVersion, coreEventToEventsV1, eventsV1ApiVersion, eventsV1ToCoreEvent } from '../../api/event-conversion.js';
import type { KubeObject } from '../../api/object.js';
import type { VersionConversion } from './index.js';

export const eventConversion: VersionConversion = {
  storage: { group: '', version: 'v1' },
  servedRules: true,
  convert(obj, toApiVersion) {
    const from = obj.apiVersion === eventsV1ApiVersion ? eventsV1ApiVersion : coreEventApiVersion;
    if (from === toApiVersion) return structuredClone(obj) as KubeObject;
    if (toApiVersion === eventsV1ApiVersion) return coreEventToEventsV1(obj);
    if (toApiVersion === coreEventApiVersion) return eventsV1ToCoreEvent(obj);
    throw new Error(`events: no conversion to ${toApiVersion}`);
  },
};
