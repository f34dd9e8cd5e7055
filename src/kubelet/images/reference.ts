// The repository an image reference names, written out in full as the registry's client normalises it
// ("nginx:1.25" → "docker.io/library/nginx", "localhost:5000/app@sha256:…" → "localhost:5000/app"): the form the
// kubelet looks credentials up by.

const defaultDomain = 'docker.io';

/**
 * The first path part is the registry when it holds a '.' or ':' , is "localhost", or has capitals (a Docker Hub
 * user name never does); otherwise the image is on Docker Hub, official images under "library/".
 */
export function repositoryToPull(image: string): string {
  let name = image;
  const at = name.indexOf('@');
  if (at >= 0) name = name.slice(0, at);
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) name = name.slice(0, colon);
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  let domain: string;
  let rest: string;
  if (slash < 0 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = defaultDomain;
    rest = name;
  } else {
    domain = first;
    rest = name.slice(slash + 1);
  }
  if (domain === 'index.docker.io') domain = defaultDomain;
  if (domain === defaultDomain && !rest.includes('/')) rest = `library/${rest}`;
  return `${domain}/${rest}`;
}
