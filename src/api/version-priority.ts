// Kubernetes' ordering of API version names: GA before beta before alpha, higher numbers first within each
// ("v2" < "v1" < "v11beta2" < "v10beta3" < "v3beta1" < "v12alpha1" < "v11alpha2"), then any other name
// alphabetically. Used for a custom group's preferred version and the order its versions are listed in.

const kubeVersion = /^v([1-9][0-9]*)(?:(alpha|beta)([1-9][0-9]*))?$/;

interface Parsed {
  major: number;
  stage: 0 | 1 | 2; // GA, beta, alpha
  minor: number;
}

function parse(v: string): Parsed | undefined {
  const m = kubeVersion.exec(v);
  if (!m) return undefined;
  const stage = m[2] === undefined ? 0 : m[2] === 'beta' ? 1 : 2;
  return { major: Number(m[1]), stage, minor: m[3] === undefined ? 0 : Number(m[3]) };
}

/** Sort comparator: negative when `a` comes first (has the higher priority). */
export function compareVersionPriority(a: string, b: string): number {
  const pa = parse(a);
  const pb = parse(b);
  if (pa && !pb) return -1;
  if (!pa && pb) return 1;
  if (!pa || !pb) return a < b ? -1 : a > b ? 1 : 0;
  if (pa.stage !== pb.stage) return pa.stage - pb.stage;
  if (pa.major !== pb.major) return pb.major - pa.major;
  return pb.minor - pa.minor;
}
