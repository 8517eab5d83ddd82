import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { procAvailable, processTree, treeUsage } from './process-cpu.ts';

describe.runIf(procAvailable)('process tree CPU from /proc', () => {
  it('finds a grandchild and counts the CPU it burns', async () => {
    // A shell whose child spins, then waits to be killed.
    // Spins until it has had 300 ms of CPU (not of the clock: the machine may be busy).
    const burn = `while(process.cpuUsage().user<300000);console.log('done');setInterval(()=>{},1000)`;
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
