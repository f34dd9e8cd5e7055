// The node agent's timers do not hold a process open (they also run inside `a-kube up`, beside its servers). A
// process that runs only node agents holds itself open with this until it is stopped, so that it does not exit
// while every agent waits — between registration attempts, or between watch reconnections.
export function holdOpen(signal: AbortSignal): () => void {
  const timer = setInterval(() => {}, 3_600_000);
  const release = () => clearInterval(timer);
  signal.addEventListener('abort', release, { once: true });
  return release;
}
