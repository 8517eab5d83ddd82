/**
 * Starts a local Redis Cluster in a process of its own and prints its ports, for the test that
 * kills this process and expects the cluster to go with it.
 */
import { LocalCluster } from '../../server/redis-cluster/local-cluster.ts';

const cluster = await LocalCluster.start({ masters: Number(process.argv[2] ?? 3) });
console.log(`cluster ports ${JSON.stringify(cluster.nodes.map((n) => n.port))}`);
// Keeps running until killed.
setInterval(() => undefined, 60_000);
