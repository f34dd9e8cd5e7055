// The admission plugins `a-kube up` runs beyond the API server's own NamespaceLifecycle and the authentication-side
// plugins (cluster-auth.ts: ServiceAccount, NodeRestriction, RBAC escalation). Registration order does not matter:
// each plugin takes its place from src/admission/order.ts.
import { findResource } from '../api/catalog.js';
import type { KubeObject } from '../api/object.js';
import type { ApiServer } from '../apiserver/api-server.js';
import { defaultTolerationSecondsAdmission } from '../admission/default-toleration-seconds.js';
import { priorityAdmission } from '../admission/priority.js';
import type { AdmissionReader } from '../admission/reader.js';
import { defaultStorageClassAdmission } from '../admission/default-storage-class.js';
import { defaultIngressClassAdmission } from '../admission/default-ingress-class.js';
import { runtimeClassAdmission } from '../admission/runtime-class.js';
import { persistentVolumeClaimResizeAdmission } from '../admission/pvc-resize.js';
import { storageObjectInUseProtectionAdmission } from '../admission/storage-object-in-use.js';
import { limitRangerAdmission } from '../admission/limit-ranger.js';
import { resourceQuotaAdmission } from '../admission/resource-quota.js';
import { podSecurityAdmission } from '../admission/pod-security/admission.js';
import { certificateApprovalAdmission, certificateSigningAdmission, certificateSubjectRestrictionAdmission } from '../admission/certificates.js';
import type { Authorizer } from '../auth/types.js';
import { parseCertificateRequest } from '../pki/csr.js';
import { mutatingWebhookAdmission, validatingWebhookAdmission, type WebhookDeps } from '../admission/webhook/dispatch.js';
import { conversionFor } from '../registry/conversion/index.js';
import { validatingAdmissionPolicyAdmission, type PolicyDeps } from '../admission/policy/validating.js';

/** Reads the API server's stores straight from their watch caches (writes wait for the cache, so a read sees them). */
export function storeReader(api: ApiServer): AdmissionReader {
  const storeOf = async (group: string, resource: string) => {
    const info = findResourceAnyVersion(group, resource);
    return info ? api.stores.storeFor(info) : undefined;
  };
  return {
    async list(gr, namespace) {
      const store = await storeOf(gr.group, gr.resource);
      if (!store) return [];
      const r = await store.cache.list({ prefix: store.listPrefix(namespace) });
      return r.items;
    },
    async get(gr, namespace, name) {
      const store = await storeOf(gr.group, gr.resource);
      return store?.cache.get(store.keyFor(namespace, name)) as Readonly<KubeObject> | undefined;
    },
  };
}

function findResourceAnyVersion(group: string, resource: string) {
  for (const v of ['v1', 'v2', 'v1beta1']) {
    const info = findResource(group, v, resource);
    if (info) return info;
  }
  return undefined;
}

export function installAdmission(api: ApiServer, authorizer: Authorizer): void {
  const reader = storeReader(api);
  api.registerAdmission(limitRangerAdmission({ reader }));
  api.registerAdmission(podSecurityAdmission({ reader }));
  api.registerAdmission(defaultTolerationSecondsAdmission());
  api.registerAdmission(defaultStorageClassAdmission({ reader }));
  api.registerAdmission(defaultIngressClassAdmission({ reader }));
  api.registerAdmission(runtimeClassAdmission({ reader }));
  api.registerAdmission(storageObjectInUseProtectionAdmission());
  api.registerAdmission(persistentVolumeClaimResizeAdmission({ reader }));
  api.registerAdmission(certificateApprovalAdmission(authorizer));
  api.registerAdmission(certificateSigningAdmission(authorizer));
  api.registerAdmission(certificateSubjectRestrictionAdmission(parseCertificateRequest));
  api.registerAdmission(priorityAdmission(reader));
  api.registerAdmission(resourceQuotaAdmission(quotaAccess(api)));
  const webhookDeps = webhookAccess(api, reader, authorizer);
  api.registerAdmission(mutatingWebhookAdmission(webhookDeps));
  api.registerAdmission(validatingWebhookAdmission(webhookDeps));
  api.registerAdmission(validatingAdmissionPolicyAdmission(policyAccess(api, webhookDeps)));
}

/** What ValidatingAdmissionPolicies read: bindings, policies and namespaces from the caches, params of any served kind. */
export function policyAccess(api: ApiServer, webhook: WebhookDeps): PolicyDeps {
  return {
    reader: webhook.reader,
    namespaceLabels: (name) => webhook.namespaceLabels(name),
    authorizer: webhook.authorizer,
    paramSource(apiVersion, kind) {
      const info = api.resources.findByKind(apiVersion, kind);
      if (!info) return undefined;
      return {
        namespaced: info.namespaced,
        async get(namespace, name) {
          const store = await api.stores.storeFor(info);
          return store.cache.get(store.keyFor(namespace, name)) as Readonly<KubeObject> | undefined;
        },
        async list(namespace) {
          const store = await api.stores.storeFor(info);
          return (await store.cache.list({ prefix: store.listPrefix(namespace) })).items;
        },
      };
    },
  };
}

/**
 * What the webhook plugins read: configurations and namespaces from the caches, served versions, conversions; the
 * authorizer their CEL conditions ask.
 */
export function webhookAccess(api: ApiServer, reader: AdmissionReader, authorizer: Authorizer): WebhookDeps {
  return {
    reader,
    authorizer,
    async namespaceLabels(name) {
      const ns = await reader.get({ group: '', resource: 'namespaces' }, '', name);
      return ns ? { ...(ns.metadata.labels ?? {}) } : undefined;
    },
    servedVersions(group, resource) {
      // Only versions the object can be converted to (a custom resource's versions convert through its webhook).
      if (!conversionFor({ group, resource })) return [];
      return api.resources.all().filter((r) => r.group === group && r.resource === resource).map((r) => ({ version: r.version, kind: r.kind }));
    },
    convert(obj, group, resource, toVersion) {
      const conversion = conversionFor({ group, resource });
      return conversion ? conversion.convert(obj, group === '' ? toVersion : `${group}/${toVersion}`) : obj;
    },
  };
}

/** Quota admission reads quotas consistently and charges them with a compare-and-swap on their status. */
export function quotaAccess(api: ApiServer): { quotas(namespace: string): Promise<readonly Readonly<KubeObject>[]>; updateStatus(quota: KubeObject): Promise<void> } {
  const store = () => {
    const info = findResource('', 'v1', 'resourcequotas');
    if (!info) throw new Error('catalog has no resourcequotas');
    return api.stores.storeFor(info);
  };
  return {
    async quotas(namespace) {
      return (await (await store()).list(namespace)).items;
    },
    async updateStatus(quota) {
      const s = await store();
      await s.update(quota.metadata.namespace ?? '', quota.metadata.name ?? '', () => structuredClone(quota), { subresource: 'status', retryOnConflict: false });
    },
  };
}
