// gRPC probes: one grpc.health.v1.Health/Check call to the pod's address, as the kubelet makes it (plain text,
// no credentials, a fresh connection per probe, the probe's timeout covering connect and call). SERVING passes;
// anything else fails with the kubelet's wording, which is what the Unhealthy event shows.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { formatDuration } from '../api/protobuf/special.js';

/** The health protocol's messages and service (grpc/grpc doc/health-checking.md), as a descriptor. */
const healthDescriptor = {
  nested: {
    grpc: {
      nested: {
        health: {
          nested: {
            v1: {
              nested: {
                HealthCheckRequest: { fields: { service: { type: 'string', id: 1 } } },
                HealthCheckResponse: {
                  fields: { status: { type: 'ServingStatus', id: 1 } },
                  nested: { ServingStatus: { values: { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 } } },
                },
                Health: {
                  methods: {
                    Check: { requestType: 'HealthCheckRequest', responseType: 'HealthCheckResponse' },
                    Watch: { requestType: 'HealthCheckRequest', responseType: 'HealthCheckResponse', responseStream: true },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

type HealthClient = grpc.Client & {
  Check(req: { service: string }, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: { status?: string | number }) => void): grpc.ClientUnaryCall;
};
type HealthCtor = new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ClientOptions) => HealthClient;

let loaded: { ctor: HealthCtor; service: grpc.ServiceDefinition } | undefined;

/** The Health service definition (also what a test's server implements). */
export function healthService(): { ctor: HealthCtor; service: grpc.ServiceDefinition } {
  if (loaded) return loaded;
  const def = protoLoader.fromJSON(healthDescriptor as unknown as Parameters<typeof protoLoader.fromJSON>[0], { keepCase: true, enums: String, defaults: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { health: { v1: { Health: HealthCtor & { service: grpc.ServiceDefinition } } } } };
  const Health = pkg.grpc.health.v1.Health;
  loaded = { ctor: Health, service: Health.service };
  return loaded;
}

/** gRPC's status codes as Go's codes.Code.String() names them (the text of a Go status error). */
const goCodeNames: Record<number, string> = {
  0: 'OK', 1: 'Canceled', 2: 'Unknown', 3: 'InvalidArgument', 4: 'DeadlineExceeded', 5: 'NotFound', 6: 'AlreadyExists',
  7: 'PermissionDenied', 8: 'ResourceExhausted', 9: 'FailedPrecondition', 10: 'Aborted', 11: 'OutOfRange',
  12: 'Unimplemented', 13: 'Internal', 14: 'Unavailable', 15: 'DataLoss', 16: 'Unauthenticated',
};

function goStatusError(e: grpc.ServiceError): string {
  return `rpc error: code = ${goCodeNames[e.code] ?? `Code(${e.code})`} desc = ${e.details ?? ''}`;
}

export interface GrpcProbeResult {
  ok: boolean;
  output: string;
}

/**
 * Checks `service` ("" = the server as a whole) on host:port within timeoutMs. Never throws: every outcome is a
 * result, as the kubelet treats every error as a failed probe.
 */
export function grpcProbe(host: string, port: number, service: string, timeoutMs: number, userAgent = 'kube-probe/1.32'): Promise<GrpcProbeResult> {
  const addr = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const within = formatDuration(BigInt(Math.round(timeoutMs)) * 1_000_000n);
  const deadline = Date.now() + timeoutMs;
  const { ctor } = healthService();
  const client = new ctor(addr, grpc.credentials.createInsecure(), {
    'grpc.primary_user_agent': userAgent,
    // One connection per probe, never shared with another probe of the same address.
    'grpc.use_local_subchannel_pool': 1,
    'grpc.initial_reconnect_backoff_ms': 100,
  });
  return new Promise<GrpcProbeResult>((resolve) => {
    const done = (r: GrpcProbeResult) => {
      client.close();
      resolve(r);
    };
    client.waitForReady(deadline, (err) => {
      // A refused or unreachable address is retried until the deadline, as a blocking Go dial does.
      if (err) return done({ ok: false, output: `timeout: failed to connect service "${addr}" within ${within}: context deadline exceeded` });
      client.Check({ service }, new grpc.Metadata(), { deadline }, (callErr, res) => {
        if (callErr) {
          if (callErr.code === grpc.status.UNIMPLEMENTED) {
            return done({ ok: false, output: `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${callErr.details ?? ''}` });
          }
          if (callErr.code === grpc.status.DEADLINE_EXCEEDED) return done({ ok: false, output: `timeout: health rpc did not complete within ${within}` });
          return done({ ok: false, output: `error: health rpc probe failed: ${goStatusError(callErr)}` });
        }
        const status = res?.status === undefined ? 'UNKNOWN' : String(res.status);
        if (status !== 'SERVING') return done({ ok: false, output: `service unhealthy (responded with "${status}")` });
        done({ ok: true, output: 'service healthy' });
      });
    });
  });
}
