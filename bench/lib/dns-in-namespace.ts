// The cluster DNS server for `npm run bench -- network`, run inside the benchmark's node namespace:
// `node --import tsx dns-in-namespace.ts ADDRESS FILLER_COUNT`. It answers from a fixed set of Services
// (web.ns-1 plus FILLER_COUNT others) and prints "ready" once it listens on ADDRESS:53.
import type { KubeObject } from '../../src/api/object.js';
import { Informer, restListerWatcher } from '../../src/client/informer.js';
import { informerDnsSource } from '../../src/kubelet/network/dns/cluster-dns.js';
import { startDnsServer } from '../../src/kubelet/network/dns/server.js';
import { FakeFeed } from '../../test/unit/kubelet/network/fake-feed.js';

const [address = '127.0.0.1', fillerText = '0'] = process.argv.slice(2);
const feed = new FakeFeed();
const svc = (ns: string, name: string, ip: string): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { clusterIP: ip, clusterIPs: [ip], ports: [{ name: 'http', port: 80 }] } });
feed.put('/api/v1/services', svc('ns-1', 'web', '10.96.0.20'));
for (let i = 0; i < Number(fillerText); i++) feed.put('/api/v1/services', svc(`ns-${i % 20}`, `filler-${i}`, `10.97.${Math.floor(i / 250)}.${(i % 250) + 1}`));
const stop = new AbortController();
const services = new Informer({ listerWatcher: restListerWatcher(feed, { path: '/api/v1/services' }), name: 'services' });
const slices = new Informer({ listerWatcher: restListerWatcher(feed, { path: '/apis/discovery.k8s.io/v1/endpointslices' }), name: 'slices' });
const source = informerDnsSource(services, slices);
void services.run(stop.signal);
void slices.run(stop.signal);
await services.waitForSync(stop.signal);
await slices.waitForSync(stop.signal);
await startDnsServer({ source, listen: [{ host: address, port: 53 }], upstreams: [] });
console.log('ready');
