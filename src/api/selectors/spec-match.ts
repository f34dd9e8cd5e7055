// metav1.LabelSelector matching for controllers (nil selects nothing; an invalid one selects nothing).
import { isRecord } from '../object.js';
import { labelSelectorFromSpec, matchesLabels, type LabelSelectorSpec } from './index.js';

export function selectorMatches(spec: unknown, labels: Readonly<Record<string, string>> | undefined): boolean {
  if (!isRecord(spec)) return false;
  try {
    return matchesLabels(labelSelectorFromSpec(spec as LabelSelectorSpec), labels);
  } catch {
    return false;
  }
}

/** Compiles the selector once for many objects (a nil or invalid selector matches nothing). */
export function selectorMatcher(spec: unknown): (labels: Readonly<Record<string, string>> | undefined) => boolean {
  if (!isRecord(spec)) return () => false;
  try {
    const sel = labelSelectorFromSpec(spec as LabelSelectorSpec);
    return (labels) => matchesLabels(sel, labels);
  } catch {
    return () => false;
  }
}
