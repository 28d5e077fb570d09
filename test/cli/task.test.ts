/** The student's task (description and goals) is printed under the header of `run` and `explain`. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { taskText } from '../../src/cli/task.js';

describe('the task header', () => {
  it('indents the description and lists the goals', () => {
    expect(taskText({ description: 'Fix the return path.\nThen check.\n', goals: ['web1 answers', 'no RST'] })).toBe('  Fix the return path.\n  Then check.\n\n  Goals:\n  - web1 answers\n  - no RST\n\n');
    expect(taskText({ description: '', goals: ['only a goal'] })).toBe('  Goals:\n  - only a goal\n\n');
    expect(taskText({ description: '  \n', goals: [] })).toBe('');
  });

  it.each([['run'], ['explain']])('%s shows the lesson task before the events', (cmd) => {
    const r = spawnSync(process.execPath, ['dist/cli/main.js', cmd, 'same-subnet-vip'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[2]).toBe('  A one-arm NAT load balancer is its servers\' gateway, so calls from outside');
    expect(lines).toContain('  Goals:');
    expect(lines).toContain('  - See why a server\'s call to its own VIP fails while outside calls work');
  });
});
