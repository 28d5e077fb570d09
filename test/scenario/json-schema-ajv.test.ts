/**
 * The published JSON Schema accepts what the loader accepts: every
 * built-in scenario, every scenario of the tests that loads, and extending
 * files (overlays such as the vrrp-no-sync and vrrp-vmac lessons and an
 * extends-only grading file), checked with a real validator (ajv, draft
 * 2020-12). It still rejects what is wrong in shape in either branch.
 */
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { loadScenario, scenarioJsonSchema } from '../../src/scenario/index.js';
import { readYaml } from '../../src/scenario/yaml-source.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ajv = new Ajv2020({ strict: false, allErrors: true });
const validate = ajv.compile(scenarioJsonSchema());

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(n) ? [p] : [];
  });
}

/** Whether the loader accepts a file as written on disk (its bases read beside it). */
function loads(file: string): boolean {
  const dir = path.dirname(file);
  return loadScenario(path.basename(file), (p) => readFileSync(path.join(dir, p), 'utf8'), { realPath: (p) => realpathSync(path.join(dir, p)) }).ok;
}

function schemaErrors(text: string): string[] {
  const doc = readYaml(text, 'x.yaml');
  if (doc.errors.length > 0) return ['not YAML'];
  return validate(doc.value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

const scenarioFiles = [...yamlFiles(path.join(ROOT, 'scenarios')), ...yamlFiles(path.join(ROOT, 'test'))].filter((f) => /^lblab:|^extends:/m.test(readFileSync(f, 'utf8')));

const accepted = scenarioFiles.filter(loads);

describe('the JSON Schema under ajv', () => {
  it('has scenarios to check: every built-in, test scenarios, extending ones among them', () => {
    const builtins = yamlFiles(path.join(ROOT, 'scenarios'));
    expect(builtins.filter((f) => !accepted.includes(f))).toEqual([]);
    expect(accepted.length).toBeGreaterThan(builtins.length);
    expect(accepted.filter((f) => /^extends:/m.test(readFileSync(f, 'utf8'))).length).toBeGreaterThanOrEqual(3);
  });

  it('accepts every file the loader accepts', () => {
    const rejected = accepted
      .map((f) => ({ f: path.relative(ROOT, f), errs: schemaErrors(readFileSync(f, 'utf8')) }))
      .filter((r) => r.errs.length > 0)
      .map((r) => `${r.f}: ${r.errs.slice(0, 3).join('; ')}`);
    expect(rejected).toEqual([]);
  });

  it.each(['vrrp-no-sync.yaml', 'vrrp-vmac.yaml'])('accepts the built-in overlay %s', (f) => {
    expect(schemaErrors(readFileSync(path.join(ROOT, 'scenarios', f), 'utf8'))).toEqual([]);
  });

  it('accepts an extends-only grading file: expectations on top of a student file', () => {
    expect(schemaErrors('extends: student.yaml\nexpect:\n  - { name: web1 answers, frame: { at: web1:eth0, match: { tcp.flags: S } }, has: { ip.src: lb1 } }\n')).toEqual([]);
    expect(schemaErrors('extends: base.yaml\nnodes:\n  lb1: { services: { shop: { mode: fullnat } } }\n  web2: ~\n')).toEqual([]);
  });

  it('still rejects unknown keys and bad values in an overlay, and a whole scenario without its required keys', () => {
    expect(schemaErrors('extends: base.yaml\nnodes:\n  web1: { gatway: 10.0.1.1 }\n')).not.toEqual([]);
    expect(schemaErrors('extends: base.yaml\nnodes:\n  lb1: { services: { shop: { mode: dssr } } }\n')).not.toEqual([]);
    expect(schemaErrors('extends: base.yaml\nexpekt: []\n')).not.toEqual([]);
    expect(schemaErrors('lblab: 1\ntitle: t\n')).not.toEqual([]);
    expect(schemaErrors('title: t\nnodes: {}\n')).not.toEqual([]);
    expect(schemaErrors('lblab: 1\ntitle: t\nnodes: {}\n')).toEqual([]);
  });
});
