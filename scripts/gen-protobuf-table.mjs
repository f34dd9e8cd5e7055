// Generates src/api/generated/protobuf-messages.json: the protobuf field table (numbers, types, JSON names)
// of every message reachable from the kinds a-kube serves, plus the request-only kinds (TokenRequest, the
// reviews, DeleteOptions, Scale, Binding, Eviction, Status), and for each Go *pointer* scalar field a
// `ptr` flag (see GO_POINTER_FIELDS below for why and where the list comes from).
// Usage: node --import tsx scripts/gen-protobuf-table.mjs [path/to/shared/reference/protobuf]
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalog } from '../src/api/catalog.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const refDir = process.argv[2] ?? join(root, '../shared/reference/protobuf');
const protoFields = JSON.parse(readFileSync(join(refDir, 'k8s-protobuf-fields.json'), 'utf8'));
const differences = JSON.parse(readFileSync(join(refDir, 'proto-json-differences.json'), 'utf8'));

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';
const SCALARS = new Set(['string', 'bytes', 'bool', 'int32', 'int64']);

// Messages whose JSON form is not an object (apimachinery's custom JSON marshallers).
const SPECIAL = {
  [`${META}.Time`]: 'time',
  [`${META}.MicroTime`]: 'microTime',
  [`${META}.Duration`]: 'duration',
  [`${META}.FieldsV1`]: 'fieldsV1',
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString': 'intOrString',
  'k8s.io.apimachinery.pkg.api.resource.Quantity': 'quantity',
  'k8s.io.apimachinery.pkg.runtime.RawExtension': 'rawExtension',
};
// Special messages that behave like scalars for presence: a Go pointer to one of them keeps its zero value.
const VALUE_LIKE = new Set(['intOrString', 'quantity', 'duration']);

// Kinds that any group-version may carry (metav1.AddToGroupVersion registers them everywhere).
const META_KINDS = ['DeleteOptions', 'Status', 'ListOptions', 'GetOptions', 'CreateOptions', 'UpdateOptions', 'PatchOptions', 'WatchEvent'];

// Request-only kinds that the catalog lists only as subresources (or not at all).
const EXTRA_KINDS = [
  ['authentication.k8s.io/v1', 'TokenRequest', 'k8s.io.api.authentication.v1.TokenRequest'],
  ['autoscaling/v1', 'Scale', 'k8s.io.api.autoscaling.v1.Scale'],
  ['policy/v1', 'Eviction', 'k8s.io.api.policy.v1.Eviction'],
  ['v1', 'Binding', 'k8s.io.api.core.v1.Binding'],
];

// Go fields that are pointers to a scalar (or to IntOrString/Quantity/Duration), by message, as JSON names.
// Why: Kubernetes' Go marshaller writes a non-pointer scalar always (kubectl sends `imagePullPolicy: ""`),
// and a pointer scalar only when it is set, so a zero on the wire means "absent" for the first kind and
// "explicitly zero" (`replicas: 0`, `automountServiceAccountToken: false`) for the second.
// Neither generated.proto nor OpenAPI records this; it was read off the `*out = new(T); **out = **in`
// blocks of k8s.io/api's and apimachinery's zz_generated.deepcopy.go (core, apps, batch, coordination,
// discovery, authentication, networking, policy, scheduling, meta), restricted to the messages this table contains.
const GO_POINTER_FIELDS = {
  'k8s.io.api.core.v1': {
    AppArmorProfile: ['localhostProfile'],
    AzureDiskVolumeSource: ['cachingMode', 'fsType', 'readOnly', 'kind'],
    AzureFilePersistentVolumeSource: ['secretNamespace'],
    CSIVolumeSource: ['readOnly', 'fsType'],
    ClientIPConfig: ['timeoutSeconds'],
    ClusterTrustBundleProjection: ['name', 'signerName', 'optional'],
    ConfigMap: ['immutable'],
    ConfigMapEnvSource: ['optional'],
    ConfigMapKeySelector: ['optional'],
    ConfigMapProjection: ['optional'],
    ConfigMapVolumeSource: ['defaultMode', 'optional'],
    Container: ['restartPolicy'],
    ContainerStatus: ['started', 'stopSignal'],
    DownwardAPIVolumeFile: ['mode'],
    DownwardAPIVolumeSource: ['defaultMode'],
    EmptyDirVolumeSource: ['sizeLimit'],
    EndpointAddress: ['nodeName'],
    EndpointPort: ['appProtocol'],
    EphemeralContainerCommon: ['restartPolicy'],
    FCVolumeSource: ['lun'],
    FileKeySelector: ['optional'],
    GRPCAction: ['service'],
    GlusterfsPersistentVolumeSource: ['endpointsNamespace'],
    HostPathVolumeSource: ['type'],
    ISCSIPersistentVolumeSource: ['initiatorName'],
    ISCSIVolumeSource: ['initiatorName'],
    KeyToPath: ['mode'],
    Lifecycle: ['stopSignal'],
    LoadBalancerIngress: ['ipMode'],
    LocalVolumeSource: ['fsType'],
    NodeFeatures: ['supplementalGroupsPolicy'],
    NodeRuntimeHandlerFeatures: ['recursiveReadOnlyMounts', 'userNamespaces'],
    NodeSwapStatus: ['capacity'],
    PersistentVolumeClaimSpec: ['storageClassName', 'volumeMode', 'volumeAttributesClassName'],
    PersistentVolumeClaimStatus: ['currentVolumeAttributesClassName'],
    PersistentVolumeSpec: ['volumeMode', 'volumeAttributesClassName'],
    PodCertificateProjection: ['maxExpirationSeconds'],
    PodDNSConfigOption: ['value'],
    PodResourceClaim: ['resourceClaimName', 'resourceClaimTemplateName'],
    PodResourceClaimStatus: ['resourceClaimName'],
    PodSecurityContext: ['runAsUser', 'runAsGroup', 'runAsNonRoot', 'supplementalGroupsPolicy', 'fsGroup', 'fsGroupChangePolicy', 'seLinuxChangePolicy'],
    PodSpec: ['terminationGracePeriodSeconds', 'activeDeadlineSeconds', 'automountServiceAccountToken', 'shareProcessNamespace', 'priority',
      'runtimeClassName', 'enableServiceLinks', 'preemptionPolicy', 'setHostnameAsFQDN', 'hostUsers', 'hostnameOverride'],
    PortStatus: ['error'],
    Probe: ['terminationGracePeriodSeconds'],
    ProjectedVolumeSource: ['defaultMode'],
    ReplicationControllerSpec: ['replicas'],
    ResourceHealth: ['message'],
    SeccompProfile: ['localhostProfile'],
    Secret: ['immutable'],
    SecretEnvSource: ['optional'],
    SecretKeySelector: ['optional'],
    SecretProjection: ['optional'],
    SecretVolumeSource: ['defaultMode', 'optional'],
    SecurityContext: ['privileged', 'runAsUser', 'runAsGroup', 'runAsNonRoot', 'readOnlyRootFilesystem', 'allowPrivilegeEscalation', 'procMount'],
    ServiceAccount: ['automountServiceAccountToken'],
    ServiceAccountTokenProjection: ['expirationSeconds'],
    ServicePort: ['appProtocol'],
    ServiceSpec: ['ipFamilyPolicy', 'allocateLoadBalancerNodePorts', 'loadBalancerClass', 'internalTrafficPolicy', 'trafficDistribution'],
    Toleration: ['tolerationSeconds'],
    TopologySpreadConstraint: ['minDomains', 'nodeAffinityPolicy', 'nodeTaintsPolicy'],
    TypedLocalObjectReference: ['apiGroup'],
    TypedObjectReference: ['apiGroup', 'namespace'],
    VolumeMount: ['recursiveReadOnly', 'mountPropagation'],
    VolumeMountStatus: ['recursiveReadOnly'],
    WindowsSecurityContextOptions: ['gmsaCredentialSpecName', 'gmsaCredentialSpec', 'runAsUserName', 'hostProcess'],
  },
  'k8s.io.api.apps.v1': {
    DaemonSetSpec: ['revisionHistoryLimit'],
    DaemonSetStatus: ['collisionCount'],
    DeploymentSpec: ['replicas', 'revisionHistoryLimit', 'progressDeadlineSeconds'],
    DeploymentStatus: ['collisionCount', 'terminatingReplicas'],
    ReplicaSetSpec: ['replicas'],
    ReplicaSetStatus: ['terminatingReplicas'],
    RollingUpdateDaemonSet: ['maxUnavailable', 'maxSurge'],
    RollingUpdateDeployment: ['maxUnavailable', 'maxSurge'],
    RollingUpdateStatefulSetStrategy: ['partition', 'maxUnavailable'],
    StatefulSetSpec: ['replicas', 'revisionHistoryLimit'],
    StatefulSetStatus: ['collisionCount'],
  },
  'k8s.io.api.batch.v1': {
    CronJobSpec: ['timeZone', 'startingDeadlineSeconds', 'suspend', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit'],
    JobSpec: ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'backoffLimitPerIndex', 'maxFailedIndexes', 'manualSelector',
      'ttlSecondsAfterFinished', 'completionMode', 'suspend', 'podReplacementPolicy', 'managedBy'],
    JobStatus: ['terminating', 'failedIndexes', 'ready'],
    PodFailurePolicyOnExitCodesRequirement: ['containerName'],
    SuccessPolicyRule: ['succeededIndexes', 'succeededCount'],
  },
  'k8s.io.api.coordination.v1': {
    LeaseSpec: ['holderIdentity', 'leaseDurationSeconds', 'leaseTransitions', 'strategy', 'preferredHolder'],
  },
  'k8s.io.api.discovery.v1': {
    Endpoint: ['hostname', 'nodeName', 'zone'],
    EndpointConditions: ['ready', 'serving', 'terminating'],
    EndpointPort: ['name', 'protocol', 'port', 'appProtocol'],
  },
  'k8s.io.api.authentication.v1': {
    TokenRequestSpec: ['expirationSeconds'],
  },
  'k8s.io.api.networking.v1': {
    HTTPIngressPath: ['pathType'],
    IngressClassParametersReference: ['apiGroup', 'scope', 'namespace'],
    IngressPortStatus: ['error'],
    IngressSpec: ['ingressClassName'],
    NetworkPolicyPort: ['protocol', 'port', 'endPort'],
  },
  'k8s.io.api.policy.v1': {
    PodDisruptionBudgetSpec: ['minAvailable', 'maxUnavailable', 'unhealthyPodEvictionPolicy'],
  },
  'k8s.io.api.scheduling.v1': {
    PriorityClass: ['preemptionPolicy'],
  },
  'k8s.io.api.autoscaling.v1': {
    HorizontalPodAutoscalerSpec: ['minReplicas', 'targetCPUUtilizationPercentage'],
    HorizontalPodAutoscalerStatus: ['observedGeneration', 'currentCPUUtilizationPercentage'],
  },
  'k8s.io.api.autoscaling.v2': {
    HPAScalingRules: ['stabilizationWindowSeconds', 'selectPolicy', 'tolerance'],
    HorizontalPodAutoscalerSpec: ['minReplicas'],
    HorizontalPodAutoscalerStatus: ['observedGeneration'],
    MetricTarget: ['value', 'averageValue', 'averageUtilization'],
    MetricValueStatus: ['value', 'averageValue', 'averageUtilization'],
  },
  'k8s.io.api.certificates.v1': {
    CertificateSigningRequestSpec: ['expirationSeconds'],
  },
  'k8s.io.api.flowcontrol.v1': {
    ExemptPriorityLevelConfiguration: ['nominalConcurrencyShares', 'lendablePercent'],
    LimitedPriorityLevelConfiguration: ['nominalConcurrencyShares', 'lendablePercent', 'borrowingLimitPercent'],
  },
  [META]: {
    DeleteOptions: ['gracePeriodSeconds', 'orphanDependents', 'propagationPolicy', 'ignoreStoreReadErrorWithClusterBreakingPotential'],
    ListMeta: ['remainingItemCount'],
    ObjectMeta: ['deletionGracePeriodSeconds'],
    OwnerReference: ['controller', 'blockOwnerDeletion'],
    Preconditions: ['uid', 'resourceVersion'],
  },
};

function messageNameOf(definition) {
  if (!definition.startsWith('io.k8s.')) throw new Error(`unexpected definition name ${definition}`);
  return `k8s.io.${definition.slice('io.k8s.'.length)}`;
}

function resolveType(pkgOf, type) {
  if (SCALARS.has(type)) return type;
  if (type.startsWith('.')) return type.slice(1);
  if (/^[a-z]/.test(type)) throw new Error(`unsupported scalar type ${type}`);
  return `${pkgOf}.${type}`;
}

const kinds = {};
function addKind(apiVersion, kind, message) {
  if (!protoFields[message]) throw new Error(`no protobuf message ${message} for ${apiVersion} ${kind}`);
  (kinds[apiVersion] ??= {})[kind] = message;
}
for (const r of catalog) {
  if (!r.definition) continue;
  // Read-only kinds (the metrics API) take no request bodies, so they need no message.
  if (!r.verbs.some((v) => v === 'create' || v === 'update' || v === 'patch')) continue;
  // The reference holds k8s.io/api and apimachinery only; apiextensions' kinds (CRDs) and kube-aggregator's
  // (APIService) are served in JSON/YAML.
  if (r.definition.startsWith('io.k8s.apiextensions-apiserver.') || r.definition.startsWith('io.k8s.kube-aggregator.')) continue;
  addKind(r.group ? `${r.group}/${r.version}` : r.version, r.kind, messageNameOf(r.definition));
}
for (const [apiVersion, kind, message] of EXTRA_KINDS) addKind(apiVersion, kind, message);
const metaKinds = {};
for (const kind of META_KINDS) {
  if (protoFields[`${META}.${kind}`]) metaKinds[kind] = `${META}.${kind}`;
}

const inlined = new Set(differences.embedded.map((e) => `${e.message}.${e.field}`));
const renamed = new Map(differences.renamed.map((e) => [`${e.message}.${e.proto}`, e.json]));
const pointers = new Set();
for (const [pkg, byMessage] of Object.entries(GO_POINTER_FIELDS)) {
  for (const [message, fields] of Object.entries(byMessage)) for (const f of fields) pointers.add(`${pkg}.${message}.${f}`);
}
const usedPointers = new Set();

function specialOf(name, fields) {
  if (SPECIAL[name]) return SPECIAL[name];
  // ExtraValue, AttestationValue, Verbs: a Go []string type, a message with one repeated `items` in protobuf.
  const only = fields.length === 1 ? fields[0] : undefined;
  if (only && only.name === 'items' && only.label === 'repeated' && only.type === 'string') return 'stringList';
  return undefined;
}

const messages = {};
const queue = [...Object.values(kinds).flatMap((byKind) => Object.values(byKind)), ...Object.values(metaKinds)];
while (queue.length > 0) {
  const name = queue.pop();
  if (messages[name]) continue;
  const source = protoFields[name];
  if (!source) throw new Error(`message ${name} is referenced but not in the field table`);
  const pkg = name.slice(0, name.lastIndexOf('.'));
  const special = specialOf(name, source.fields);
  const fields = [];
  for (const f of source.fields) {
    const out = { n: f.number, j: renamed.get(`${name}.${f.name}`) ?? f.name };
    if (f.map) {
      if (f.keyType !== 'string') throw new Error(`${name}.${f.name}: map key type ${f.keyType} is not supported`);
      out.t = resolveType(pkg, f.valueType);
      out.map = 1;
    } else {
      out.t = resolveType(pkg, f.type);
      if (f.label === 'repeated') out.rep = 1;
    }
    if (!SCALARS.has(out.t)) queue.push(out.t);
    // The differences file also lists the repeated PodSpec.evictionResponders as "inlined": a slice cannot be
    // an embedded struct, so only singular message fields are inlined.
    if (inlined.has(`${name}.${f.name}`) && !out.rep && !out.map) out.inline = 1;
    const key = `${name}.${out.j}`;
    if (pointers.has(key)) {
      const valueLike = SCALARS.has(out.t) || VALUE_LIKE.has(SPECIAL[out.t] ?? '');
      if (!valueLike || out.rep || out.map) throw new Error(`${key} is listed as a Go pointer scalar but is ${out.t}`);
      out.ptr = 1;
      usedPointers.add(key);
    }
    fields.push(out);
  }
  fields.sort((a, b) => a.n - b.n);
  messages[name] = special ? { special, fields } : { fields };
}

// A pointer entry for a message this table contains but whose field is missing is a typo: fail loudly.
for (const key of pointers) {
  const message = key.slice(0, key.lastIndexOf('.'));
  if (messages[message] && !usedPointers.has(key)) throw new Error(`pointer field ${key} is not in the field table`);
}

const sorted = Object.fromEntries(Object.keys(messages).sort().map((k) => [k, messages[k]]));
const out = {
  source: 'k8s.io/api and k8s.io/apimachinery generated.proto field table (facts only), Go pointer-ness from zz_generated.deepcopy.go',
  kinds,
  metaKinds,
  messages: sorted,
};
writeFileSync(join(root, 'src/api/generated/protobuf-messages.json'), JSON.stringify(out) + '\n');
console.log(`wrote ${Object.keys(sorted).length} messages, ${Object.values(kinds).reduce((n, k) => n + Object.keys(k).length, 0)} kinds, ${usedPointers.size} pointer fields`);
