// The pod the benchmarks store: about 1 KB of JSON, shaped like a typical small workload's pod.

export function benchPod(name: string, namespace: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      labels: { app: 'bench', tier: 'web', 'app.kubernetes.io/part-of': 'a-kube-bench' },
      annotations: { 'bench.a-kube.io/purpose': 'API server benchmark object' },
    },
    spec: {
      containers: [
        {
          name: 'web',
          image: 'registry.k8s.io/nginx-slim:0.27',
          ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
          env: [
            { name: 'MODE', value: 'benchmark' },
            { name: 'LOG_LEVEL', value: 'info' },
          ],
          resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
          readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10 },
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
    },
  };
}

export function benchPodBody(name: string, namespace: string): Buffer {
  return Buffer.from(JSON.stringify(benchPod(name, namespace)));
}
