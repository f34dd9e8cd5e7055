// Label and field selectors: parsing, matching and printing with Kubernetes' syntax and messages.
export { SelectorError } from './selector-error.js';
export {
  everything,
  formatLabels,
  formatLabelSelector,
  labelSelectorFromSet,
  labelSelectorFromSpec,
  labelSelectorString,
  matchesLabels,
  newRequirement,
  nothing,
} from './labels.js';
export type { LabelOperator, LabelRequirement, LabelSelector, LabelSelectorRequirementSpec, LabelSelectorSpec } from './labels.js';
export { parseLabelSelector } from './label-parser.js';
export {
  escapeFieldValue,
  everyField,
  exactMatch,
  fieldSelectorRequirements,
  fieldSelectorString,
  matchesFields,
  parseFieldSelector,
  unescapeFieldValue,
  unsupportedFieldLabelMessage,
} from './fields.js';
export type { FieldRequirement, FieldSelector } from './fields.js';
