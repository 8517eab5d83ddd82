/**
 * The lab's tags on what its servers publish, so every receiver can tell the flow and the lab
 * it belongs to (decode.ts reads them back). Broadcasts are tagged in their opts' flags by the
 * adapter hook (tapped-adapters.ts); requests and responses that are objects, JSON or msgpack,
 * get `labFlow` (and `labFrom` when the flow is another lab's) here, on their way to PUBLISH.
 * The adapters ignore fields they do not know.
 */
import { encode as msgpackEncode } from 'notepack.io';
import { decodeRaw, flowOf, flowTagOf, labOfFlow } from './decode.ts';
import type { FlowContext } from './flow-context.ts';

/** Requests and responses are small; anything bigger is left as it is. */
const TAG_MAX_BYTES = 1024 * 1024;

/** A JSON object, or a msgpack map (fixmap, map 16, map 32): payloads that can carry a field more. */
function isObjectPayload(buf: Buffer): boolean {
  const b = buf[0];
  return b === 0x7b || (b >= 0x80 && b <= 0x8f) || b === 0xde || b === 0xdf;
}

/**
 * The flow of a payload a server publishes, and the payload to publish instead when the lab
 * tagged it. `current` is the flow of the work that publishes, if any; an untagged object
 * published outside any flow gets a flow of its own (numbered by the lab's `flows`), so it is
 * never taken for a stranger's.
 */
export function tagForPublish(
  given: Buffer,
  current: string | undefined,
  server: string,
  lab: string,
  flows: Pick<FlowContext, 'newFlowId'>,
): { flow: string; payload?: Buffer } {
  // Broadcasts (msgpack arrays) carry their tag already: the hot path decodes nothing.
  if (!isObjectPayload(given) || given.length > TAG_MAX_BYTES)
    return { flow: current ?? flowOf(given) };
  const { format, value } = decodeRaw(given);
  const existing = flowTagOf(value);
  const flow = current ?? existing ?? flows.newFlowId(server, lab);
  if (existing !== undefined || format === 'unknown' || value === null || typeof value !== 'object')
    return { flow };
  const tags = labOfFlow(flow) === lab ? { labFlow: flow } : { labFlow: flow, labFrom: lab };
  const tagged = { ...(value as object), ...tags };
  return {
    flow,
    payload:
      format === 'json' ? Buffer.from(JSON.stringify(tagged)) : Buffer.from(msgpackEncode(tagged)),
  };
}
