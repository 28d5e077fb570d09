/**
 * The student's task (a scenario's `description` and `goals`) as the text
 * `run` and `explain` print under their header line, so the task is on
 * screen where the results are.
 */

/** The description's lines and the goals as a list, indented, ending with a blank line; nothing when the scenario has neither. */
export function taskText(sc: { readonly description: string; readonly goals: readonly string[] }): string {
  const desc = sc.description.trim();
  if (desc === '' && sc.goals.length === 0) return '';
  const lines = desc === '' ? [] : desc.split('\n').map((l) => `  ${l}`.trimEnd());
  if (sc.goals.length > 0) lines.push(...(desc === '' ? [] : ['']), '  Goals:', ...sc.goals.map((g) => `  - ${g}`));
  return `${lines.join('\n')}\n\n`;
}
