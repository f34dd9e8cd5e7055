// flowcontrol.apiserver.k8s.io/v1 (API Priority and Fairness): the FlowSchema and PriorityLevelConfiguration
// shapes, as stored. Shared by the registry (defaults, validation, tables) and the API server (classification,
// queueing, the configuration controller).
import type { KubeObject } from '../object.js';

export const flowcontrolGroup = 'flowcontrol.apiserver.k8s.io';
export const flowcontrolVersion = 'v1';
export const flowcontrolApiVersion = `${flowcontrolGroup}/${flowcontrolVersion}`;

/** Whether the API server keeps a configuration object's spec as it ships it ("true") or leaves it alone ("false"). */
export const autoUpdateAnnotation = 'apf.kubernetes.io/autoupdate-spec';

export const exemptName = 'exempt';
export const catchAllName = 'catch-all';

export interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount' | string;
  user?: { name: string };
  group?: { name: string };
  serviceAccount?: { namespace: string; name: string };
}

export interface ResourcePolicyRule {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  clusterScope?: boolean;
  namespaces?: string[];
}

export interface NonResourcePolicyRule {
  verbs: string[];
  nonResourceURLs: string[];
}

export interface PolicyRulesWithSubjects {
  subjects: Subject[];
  resourceRules?: ResourcePolicyRule[];
  nonResourceRules?: NonResourcePolicyRule[];
}

export interface FlowSchemaCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown' | string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface FlowSchemaSpec {
  priorityLevelConfiguration: { name: string };
  matchingPrecedence?: number;
  distinguisherMethod?: { type: 'ByUser' | 'ByNamespace' | string };
  rules?: PolicyRulesWithSubjects[];
}

export interface FlowSchema extends KubeObject {
  spec: FlowSchemaSpec;
  status?: { conditions?: FlowSchemaCondition[] };
}

export interface QueuingConfiguration {
  queues: number;
  handSize: number;
  queueLengthLimit: number;
}

export interface LimitedPriorityLevelConfiguration {
  nominalConcurrencyShares?: number;
  lendablePercent?: number;
  borrowingLimitPercent?: number;
  limitResponse: { type: 'Queue' | 'Reject' | string; queuing?: QueuingConfiguration };
}

export interface PriorityLevelConfigurationSpec {
  type: 'Exempt' | 'Limited' | string;
  limited?: LimitedPriorityLevelConfiguration;
  exempt?: { nominalConcurrencyShares?: number; lendablePercent?: number };
}

export interface PriorityLevelConfiguration extends KubeObject {
  spec: PriorityLevelConfigurationSpec;
  status?: { conditions?: FlowSchemaCondition[] };
}

/** The FlowSchema condition that says whether the referenced priority level exists. */
export const danglingCondition = 'Dangling';
