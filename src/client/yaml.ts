// YAML 1.1 reading as Go's yaml.v2 (sigs.k8s.io/yaml) does it. The `yaml` package's 1.1 schema takes
// exponent-only words such as "e1" for floats (NaN); Go requires digits before the exponent, so "e1" is a string.
import type { ParseOptions, DocumentOptions, SchemaOptions, ScalarTag, Tags } from 'yaml';
import { refuseDeepYaml } from '../api/yaml-depth.js';

type YamlModule = typeof import('yaml');

const goFloatExp = /^[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)[eE][-+]?[0-9]+$/;

function fixTags(tags: Tags): Tags {
  return tags.map((t) => {
    if (typeof t !== 'object' || t.tag !== 'tag:yaml.org,2002:float' || t.format !== 'EXP') return t;
    const fixed: ScalarTag = { ...(t as ScalarTag), test: goFloatExp };
    return fixed;
  });
}

export const kubeYamlOptions: ParseOptions & DocumentOptions & SchemaOptions = { version: '1.1', customTags: fixTags };

export async function loadYaml(): Promise<YamlModule> {
  return import('yaml');
}

/** One document, parsed as kubectl would. */
export async function parseKubeYaml(text: string): Promise<unknown> {
  const { parse } = await loadYaml();
  refuseDeepYaml(text);
  return parse(text, kubeYamlOptions) as unknown;
}
