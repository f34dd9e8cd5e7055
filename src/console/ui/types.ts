// Shapes the console's API returns: the server's own declarations (src/console/api-types.ts), types only.
export type { GraphBinding, GraphData, GraphRole, Matrix, PolicyRule, Subject, TimelineEntry, WhyAnswer } from '../api-types.js';
