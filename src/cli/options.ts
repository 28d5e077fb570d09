/**
 * Parsers of the option values the commands share (--seed, --until,
 * --budget, --memory, --lang): a user's mistake becomes commander's InvalidArgumentError,
 * printed with the option's name and exit status 2.
 */
import { InvalidArgumentError, Option } from 'commander';
import { LANGS } from '../trace/lang.js';
import { parseDuration } from '../sim/time.js';

/** Parses --seed: a whole number that fits 32 bits. */
export function parseSeed(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) throw new InvalidArgumentError('the seed is a whole number from 0 to 4294967295');
  return Number(v);
}

/** Parses --until: a duration with a unit. */
export function parseUntil(v: string): number {
  const d = parseDuration(v);
  if (d === null) throw new InvalidArgumentError('write a duration with a unit, for example 500ms, 2s or 10us');
  return d;
}

/** Parses --budget: a positive whole number of events. */
export function parseBudget(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError('the budget is a positive whole number of events');
  return Number(v);
}

const MEMORY_UNITS: Readonly<Record<string, number>> = { '': 2 ** 20, k: 2 ** 10, kb: 1e3, kib: 2 ** 10, m: 2 ** 20, mb: 1e6, mib: 2 ** 20, g: 2 ** 30, gb: 1e9, gib: 2 ** 30 };

/** Parses --memory: a size with a unit (512MiB, 1.5GiB, 2G; a bare number is MiB), in bytes. */
export function parseMemory(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(v.trim());
  const unit = m ? MEMORY_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined || Number(m[1]) <= 0) throw new InvalidArgumentError('write a size with a unit, for example 512MiB, 1.5GiB or 2G');
  return Math.round(Number(m[1]) * unit);
}

/** `--lang en|ko`: the language of reason meanings and TUI labels (without it: the locale, LC_ALL / LC_MESSAGES / LANG, else English). */
export function langOption(): Option {
  return new Option('--lang <lang>', 'language of the reason meanings and labels (default: from LANG, else en)').choices(LANGS);
}
