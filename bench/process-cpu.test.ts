import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { procAvailable, processTree, treeUsage } from './process-cpu.ts';

describe.runIf(procAvailable)('process tree CPU from /proc', () => {
  it('finds a grandchild and counts the CPU it burns', async () => {
    // A shell whose child spins for 300 ms of CPU, then waits to be killed.
    const burn = `const t=Date.now();while(Date.now()-t<300);console.log('done');setInterval(()=>{},1000)`;
    const child = spawn('sh', ['-c', `node -e "${burn}"; true`], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      await new Promise((resolve) => child.stdout.once('data', resolve));
      const tree = processTree(child.pid!);
      expect(tree[0]).toBe(child.pid);
      expect(tree.length).toBeGreaterThanOrEqual(2);
      const used = treeUsage(tree);
      expect(used.user + used.system).toBeGreaterThanOrEqual(250_000);
      expect(used.rssBytes).toBeGreaterThan(10 * 2 ** 20);
    } finally {
      for (const pid of processTree(child.pid!).reverse()) process.kill(pid, 'SIGKILL');
    }
  });
});
