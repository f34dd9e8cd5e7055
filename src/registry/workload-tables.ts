// Tables of the pod controllers: deployments, replicasets, replicationcontrollers, statefulsets, daemonsets.
import { get, stringMap } from './fields.js';
import type { TablePrinter } from './strategy.js';
import {
  age,
  column,
  containersAndImages,
  containersColumn,
  formatLabels,
  formatLabelSelector,
  imagesColumn,
  int,
  nameColumn,
  ageColumn,
  selectorColumn,
} from './table.js';

// Deployments print the columns of the project's walkthrough (NAME DESIRED CURRENT UP-TO-DATE AVAILABLE AGE)
// rather than today's upstream "Ready" column; kubectl prints whatever columns the server sends.
export const deploymentTable: TablePrinter = {
  columns: [
    nameColumn,
    column('Desired', 'Number of desired pods.', { type: 'integer' }),
    column('Current', 'Total number of non-terminated pods targeted by this deployment.', { type: 'integer' }),
    column('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.', { type: 'integer' }),
    column('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.', { type: 'integer' }),
    ageColumn,
    containersColumn,
    imagesColumn,
    selectorColumn,
  ],
  cells(d, now) {
    const [containers, images] = containersAndImages(get(d, 'spec', 'template', 'spec'));
    return [
      d.metadata.name ?? '',
      int(get(d, 'spec', 'replicas')),
      int(get(d, 'status', 'replicas')),
      int(get(d, 'status', 'updatedReplicas')),
      int(get(d, 'status', 'availableReplicas')),
      age(d, now),
      containers,
      images,
      formatLabelSelector(get(d, 'spec', 'selector')),
    ];
  },
};

function replicaCountTable(selectorCell: (selector: unknown) => string): TablePrinter {
  return {
    columns: [
      nameColumn,
      column('Desired', 'Number of desired pods.', { type: 'integer' }),
      column('Current', 'Number of actual replicas.', { type: 'integer' }),
      column('Ready', 'The number of ready replicas for this replica set.', { type: 'integer' }),
      ageColumn,
      containersColumn,
      imagesColumn,
      selectorColumn,
    ],
    cells(rs, now) {
      const [containers, images] = containersAndImages(get(rs, 'spec', 'template', 'spec'));
      return [
        rs.metadata.name ?? '',
        int(get(rs, 'spec', 'replicas')),
        int(get(rs, 'status', 'replicas')),
        int(get(rs, 'status', 'readyReplicas')),
        age(rs, now),
        containers,
        images,
        selectorCell(get(rs, 'spec', 'selector')),
      ];
    },
  };
}

export const replicaSetTable = replicaCountTable(formatLabelSelector);
export const replicationControllerTable = replicaCountTable((selector) => formatLabels(stringMap(selector)));

export const statefulSetTable: TablePrinter = {
  columns: [nameColumn, column('Ready', 'Number of the pod with ready state'), ageColumn, containersColumn, imagesColumn],
  cells(sts, now) {
    const [containers, images] = containersAndImages(get(sts, 'spec', 'template', 'spec'));
    return [sts.metadata.name ?? '', `${int(get(sts, 'status', 'readyReplicas'))}/${int(get(sts, 'spec', 'replicas'))}`, age(sts, now), containers, images];
  },
};

export const daemonSetTable: TablePrinter = {
  columns: [
    nameColumn,
    column('Desired', 'The desired number of nodes that should be running the daemon pod.', { type: 'integer' }),
    column('Current', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.', { type: 'integer' }),
    column('Ready', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.', { type: 'integer' }),
    column('Up-to-date', 'The total number of nodes that are running updated daemon pod', { type: 'integer' }),
    column('Available', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)', { type: 'integer' }),
    column('Node Selector', 'NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node\'s labels for the pod to be scheduled on that node.'),
    ageColumn,
    containersColumn,
    imagesColumn,
    selectorColumn,
  ],
  cells(ds, now) {
    const [containers, images] = containersAndImages(get(ds, 'spec', 'template', 'spec'));
    return [
      ds.metadata.name ?? '',
      int(get(ds, 'status', 'desiredNumberScheduled')),
      int(get(ds, 'status', 'currentNumberScheduled')),
      int(get(ds, 'status', 'numberReady')),
      int(get(ds, 'status', 'updatedNumberScheduled')),
      int(get(ds, 'status', 'numberAvailable')),
      formatLabels(stringMap(get(ds, 'spec', 'template', 'spec', 'nodeSelector'))),
      age(ds, now),
      containers,
      images,
      formatLabelSelector(get(ds, 'spec', 'selector')),
    ];
  },
};
