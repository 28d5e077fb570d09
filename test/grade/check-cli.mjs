// Runs `lblab check` as the shipped CLI will once main.ts registers it: the
// real program from dist/cli/main.js, with `check` added when it is not
// there yet, and main()'s mapping of usage errors to exit status 2.
import { buildProgram } from '../../dist/cli/main.js';
import { registerCheck } from '../../dist/cli/check.js';

const program = buildProgram();
if (!program.commands.some((c) => c.name() === 'check')) registerCheck(program);
try {
  await program.parseAsync(process.argv.slice(2), { from: 'user' });
} catch (e) {
  const code = e && typeof e.code === 'string' ? e.code : '';
  if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') process.exitCode = 0;
  else if (code.startsWith('commander.')) process.exitCode = 2;
  else throw e;
}
