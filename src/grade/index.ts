/**
 * Grading: a scenario's expectations judged against the trace of its run,
 * and the reporters that print the verdicts for people (text) and for
 * autograders (JSON, JUnit XML, TAP 13). See docs/grading.md.
 */
export { grade, pct } from './grade.js';
export { eventEvidence, MAX_EVIDENCE } from './evidence.js';
export { fieldValue, flagLetters, testHolds, wantedValue, fmtField, fmtTest, type FrameValue } from './fields.js';
export { report, textReport, jsonReport, junitReport, tapReport, totals, scenarioName, evidenceLine, xmlEscape, REPORTERS, type ReporterName, type ScenarioReport, type TextOptions } from './reporters.js';
export type { AttemptRecord, ClientRecord, Evidence, GradeInput, ServerCount, ServiceCounts, Verdict } from './types.js';
