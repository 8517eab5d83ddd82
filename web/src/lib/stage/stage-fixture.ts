/**
 * For the stage's tests: a trace (a LabScript's, or hand-written events) reduced, modelled and
 * laid out the way the page does it, on a stage of the given size in units.
 */
import type { LabEvent } from '../../../../trace/events.ts';
import type { LabInfo } from '../../../../trace/lab-info.ts';
import { LabScript } from '../../../../trace/sim/lab-script.ts';
import { broadcast } from '../../../../trace/sim/lab-traffic.ts';
import { reduceAll } from '../../../../trace/reducer.ts';
import { layoutStage, type StageLayout } from './stage-layout.ts';
import { stageModel, type StageModel } from './stage-model.ts';
import type { LabState } from '../../../../trace/state.ts';

export interface StageFixture {
  state: LabState;
  model: StageModel;
  layout: StageLayout;
}

export function stageOf(
  trace: LabScript | readonly LabEvent[],
  opts: {
    width?: number;
    height?: number;
    expanded?: string[];
    lab?: LabInfo;
    plumbing?: boolean;
    /** Lay the stage out with a load balancer's column. */
    balancer?: boolean;
  } = {},
): StageFixture {
  const events = trace instanceof LabScript ? trace.events : trace;
  const state = reduceAll([...events]);
  const model = stageModel(state, opts.lab ?? null, opts.lab !== undefined, {
    plumbing: opts.plumbing,
  });
  const layout = layoutStage({
    width: opts.width ?? 720,
    height: opts.height ?? 400,
    servers: model.servers,
    clients: model.clients,
    scene: model.scene,
    redis: model.redis,
    expanded: opts.expanded,
    balancer: opts.balancer ? { mode: 'sticky' } : undefined,
  });
  return { state, model, layout };
}

/** `servers` servers up and `clients` clients spread over them in turn. */
export function serversWithClients(servers: number, clients: number): LabScript {
  const s = new LabScript();
  for (let i = 1; i <= servers; i++) s.serverUp(`s${i}`);
  for (let i = 1; i <= clients; i++) s.connect(`c${i}`, `s${(i % servers) + 1}`);
  return s;
}

/** Three servers and one client each, as the walkthrough starts. */
export function threeServers(): LabScript {
  return new LabScript()
    .serverUp('s1')
    .serverUp('s2')
    .serverUp('s3')
    .connect('c1', 's1')
    .connect('c2', 's2', ['blue'])
    .connect('c3', 's3');
}

/** The events of one broadcast from `from` (c1 of threeServers() unless told). */
export function broadcastEvents(from = 'c1', script: LabScript = threeServers()): LabEvent[] {
  const before = script.events.length;
  broadcast(script, from);
  return script.events.slice(before);
}
