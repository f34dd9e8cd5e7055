// The admission chain, in the order kube-apiserver runs its plugins (its AllOrderedPlugins list, the plugins a
// v1.32 server enables by default plus the ones a-kube adds). Every write runs the mutating step (admit) of each
// registered plugin in this order, then the validating step (validate) of each in this order.
// A plugin is registered by name wherever it is built (ApiServer.registerAdmission); its place comes from here,
// so a new plugin only needs its name in this list.
export const admissionOrder = [
  // a-kube's own: the RBAC escalation check Kubernetes makes in the RBAC storage before any admission plugin.
  'RBACEscalation',
  'NamespaceLifecycle',
  'LimitRanger',
  'ServiceAccount',
  'NodeRestriction',
  'TaintNodesByCondition',
  'PodSecurity',
  'Priority',
  'DefaultTolerationSeconds',
  'DefaultStorageClass',
  'StorageObjectInUseProtection',
  'PersistentVolumeClaimResize',
  'RuntimeClass',
  'CertificateApproval',
  'CertificateSigning',
  'ClusterTrustBundleAttest',
  'CertificateSubjectRestriction',
  'DefaultIngressClass',
  // the dynamic plugins (webhooks and policies); quota charges last, once every other plugin has had its say
  'MutatingAdmissionWebhook',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionWebhook',
  'ResourceQuota',
] as const;

export type AdmissionPluginName = (typeof admissionOrder)[number];

/** The plugin's place in the chain; throws for a name the list does not know (add it above). */
export function admissionRank(name: string): number {
  const i = (admissionOrder as readonly string[]).indexOf(name);
  if (i < 0) throw new Error(`admission plugin ${JSON.stringify(name)} has no place in src/admission/order.ts`);
  return i;
}

/** Inserts a plugin at its place; a second plugin of the same name is refused. */
export function insertInOrder<T extends { name: string }>(plugins: T[], plugin: T): void {
  const rank = admissionRank(plugin.name);
  if (plugins.some((p) => p.name === plugin.name)) throw new Error(`admission plugin ${plugin.name} registered twice`);
  let i = plugins.length;
  while (i > 0 && admissionRank(plugins[i - 1]!.name) > rank) i--;
  plugins.splice(i, 0, plugin);
}
