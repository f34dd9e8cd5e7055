// Where the node agent keeps a pod's files under the data dir, mirroring the kubelet's /var/log/pods and
// /var/lib/kubelet/pods layouts. Container logs are in the CRI log format that containerd writes: one line per
// chunk, `<RFC3339Nano timestamp> <stdout|stderr> <F|P> <text>` (P = partial line, continued by the next).
import { join } from 'node:path';

/** DATA_DIR/pod-logs/<namespace>_<name>_<uid>: the pod's log directory (the sandbox's log_directory). */
export function podLogDir(dataDir: string, namespace: string, name: string, uid: string): string {
  return join(dataDir, 'pod-logs', `${namespace}_${name}_${uid}`);
}

/** <podLogDir>/<container>/<restartCount>.log: one file per container attempt, the previous one kept for --previous. */
export function containerLogRelPath(container: string, restartCount: number): string {
  return join(container, `${restartCount}.log`);
}

export function containerLogPath(dataDir: string, namespace: string, name: string, uid: string, container: string, restartCount: number): string {
  return join(podLogDir(dataDir, namespace, name, uid), containerLogRelPath(container, restartCount));
}

/** DATA_DIR/pods/<uid>: the pod's volumes (volumes/<plugin>/<name>) and other per-pod state. */
export function podDir(dataDir: string, uid: string): string {
  return join(dataDir, 'pods', uid);
}
