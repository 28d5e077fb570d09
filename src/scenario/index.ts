/**
 * The scenario file format: load and check a scenario (YAML with
 * positions, a zod schema, name resolution, semantic checks), print its
 * errors like a compiler, and publish its JSON Schema. src/build consumes
 * the checked Scenario; src/cli prints the errors and the schema.
 */
export { loadScenario, parseScenario, type LoadResult, type LoadOptions } from './load.js';
export { formatErrors, formatErrorLine, printable, sortErrors, closest, editDistance, type ScenarioError, type Severity } from './errors.js';
export { scenarioJsonSchema, scenarioJsonSchemaText } from './json-schema.js';
export { parseDuration, parseBandwidth, parseRate, parsePercent, type Rate } from './units.js';
export { NODE_KINDS, APP_KINDS, TIMELINE_ACTIONS, EXPECT_KINDS, FLOW_OUTCOMES, FRAME_FIELDS, COUNTER_NAMES } from './schema.js';
export type * from './types.js';
