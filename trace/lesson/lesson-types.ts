/**
 * What a lesson is once parsed: plain data, shared by the parser, the conditions, the runner,
 * the page and the headless test. lessons/README.md documents the same shapes for authors.
 */
import type { AdapterKind, BalancerMode, SubscriptionMode } from '../events.ts';
import type { ClientRouteSpec } from './lesson-balancer.ts';

/**
 * A client the lesson's setup makes. Lessons call them c1, c2... in this order. It names its
 * server, or comes through the balancer (`via: balancer`), which picks one.
 */
export interface SetupClient extends ClientRouteSpec {
  server?: string;
  rooms: string[];
  /** The namespace it connects to; `/` when absent. */
  nsp?: string;
}

export interface LessonSetup {
  servers: number;
  adapter: AdapterKind;
  subscriptionMode?: SubscriptionMode;
  /** The servers' RESP version (ioredis `protocol`); the runner sends 3 when a lesson says nothing. */
  resp?: 2 | 3;
  /**
   * `required`: the lesson runs only on a lab whose servers use a Redis Cluster
   * (`npm start -- --redis-cluster`); any other lab refuses its setup in one sentence.
   */
  cluster?: 'required';
  /** The balancer's mode for the lesson (docs/balancer.md); left as it is when absent. */
  balancer?: BalancerMode;
  clients: SetupClient[];
}

/** One thing the lab does, through the control API (docs/api.md). */
export type LessonAction =
  | { stop: string }
  | { crash: string }
  | { start: string }
  | { redis: 'stop' | 'start' }
  | { emit: { client: string; event: string; args: unknown[] } }
  | { addClient: SetupClient }
  /** Switches the lab's load balancer: sticky, round-robin or off. */
  | { balancer: BalancerMode }
  | { removeClient: string }
  | { setup: LessonSetup }
  /** A command (PING, ECHO or PUBLISH) on the server's sub connection. */
  | { subCommand: { server: string; args: string[] } }
  /** A bare connection subscribed where the adapter counts servers (on), or gone again (off). */
  | { straySubscriber: 'on' | 'off' }
  /** Emits of several clients sent in the same tick, so that no server answers in between. */
  | { together: { client: string; event: string; args: unknown[] }[] }
  /** Every up server calls `io.emit` (or `io.local.emit`) itself, as a timer on each would. */
  | { serversEmit: { event: string; args: unknown[]; local: boolean } }
  /** A command on one of the Redis console's connections (A, B or C). */
  | { console: { connection: string; args: string[] } }
  /** The plain app: started (with or without a guard), its client's chat message, or stopped. */
  | { plainApp: PlainAppAction }
  /** The channels locked down with a Redis ACL user for the servers (on), or opened again (off). */
  | { lockdown: 'on' | 'off' }
  /** Someone outside the lab publishes: a forged broadcast, or text on any channel. */
  | { outsider: OutsiderPublish }
  /**
   * The server's link to Redis cut (reset: it stays up with its clients), frozen, or slowed (its
   * subscriber stops reading); healed again with `heal`.
   */
  | { cut: { server: string; mode: 'reset' | 'freeze' | 'slow' } }
  | { heal: string }
  /** `count` chat messages of `bytes` characters from a client, at the flood limit's pace. */
  | { burst: { client: string; count: number; bytes: number } };

export type PlainAppAction =
  { start: { guard: boolean; offlineQueue: boolean } } | { emit: string } | { stop: true };

/** What `outsider` publishes (POST /api/redis/publish). */
export type OutsiderPublish =
  { event: string; args: unknown[]; room?: string } | { channel: string; text: string };

/**
 * What the lab answered to an `emit` the lesson made (in a `do` or a "show me"): the client's
 * ack, e.g. `{count: 3, byServer}` or `{error: "timeout reached..."}` for `count sockets`. The
 * trace does not carry acks, so the runner keeps these beside the step's events.
 */
export interface LessonReply {
  /** The lab's client id (conditions name clients as the lesson does, and are translated). */
  client: string;
  event: string;
  reply: unknown;
}

/**
 * Matches one monitor event: every key must equal the event's field of that name. A list means
 * "any of these"; against an array field (args, rooms) a value matches when the array holds it.
 * Client names are the lesson's (c1, c2...), translated by the runner.
 */
export type EventMatcher = Record<string, unknown>;

/** A condition on what the lab did since the step began, or on what the lab is now. */
export type Condition =
  | {
      /** At least `count` (default 1) events since the step began match. */
      event: EventMatcher;
      count?: number;
      /** Only events of the flow the step started (its first client.emit). */
      sameFlow?: boolean;
      /** Exactly this many (0 says it did not happen), instead of at least `count`. */
      exactly?: number;
    }
  /** Each matcher has a matching event, and the first match of each comes after the previous one's. */
  | { order: EventMatcher[]; sameFlow?: boolean }
  | { server: string; state: 'up' | 'down' | 'crashed' }
  | { client: string; state: 'connected' | 'disconnected' }
  | { redis: 'up' | 'down' }
  /** At least `count` (default 1) answers to the lesson's own emits since the step began match. */
  | { reply: EventMatcher; count?: number }
  | { all: Condition[] }
  | { any: Condition[] };

/** What a prediction is checked against: a value computed from the step's events, or from the answers to its emits. */
export type Observation =
  | {
      event: EventMatcher;
      sameFlow?: boolean;
      /** `count`: how many events match; otherwise the sorted distinct values of this field. */
      collect: 'count' | string;
      /**
       * Group by this field (e.g. client): the result is one `"c1: a, b"` per group, its values
       * in arrival order and repeats kept, so an order or a number of copies can be compared.
       */
      per?: string;
    }
  | {
      /** Which of these happened first: `[kind]` of the matcher whose first match came earliest. */
      first: EventMatcher[];
      sameFlow?: boolean;
    }
  | {
      /** Matches a LessonReply: `client`, `event`, and paths into the answer like `reply.error`. */
      reply: EventMatcher;
      /** `count`, `client`, `event`, or a path into the answer such as `reply.count`. */
      collect: 'count' | string;
    };

export interface Choice {
  text: string;
  /** Compared with the observed value: a number, a string, or a list compared as a set. */
  value: unknown;
}

export interface Prediction {
  question: string;
  choices: Choice[];
  observe: Observation;
  /** The choice (0-based) the author expects the lab to prove right; the headless test checks it. */
  expect: number;
  /** Shown after the reveal, right or wrong: the why. */
  explain?: string;
  /** How long to keep watching after `waitFor`, for things that should NOT happen. */
  settleMs: number;
}

/**
 * Something the narration states that the trace can show (an order, a count, a channel, an
 * outcome), checked at the end of the step whatever the learner answered. The headless test
 * fails when one does not hold, so a lesson cannot drift from what the adapter does.
 */
export interface Claim {
  /** The statement, in the lesson's words; shown with ✓ or ✗ once checked. */
  says: string;
  /** What must hold... */
  holds?: Condition;
  /** ...or what must be observed: `is` compared like a choice's value. */
  observe?: Observation;
  is?: unknown;
  /** 1-based line in the lesson file. */
  line: number;
}

export interface LessonTask {
  /** What the learner does on the page, in one sentence. */
  text: string;
  /** How the trace shows it was done. */
  done: Condition;
  /** What "show me" does for the learner (and what the headless test does). */
  showMe: LessonAction[];
}

export interface LessonStep {
  title: string;
  /** Markdown; the page renders it sanitised. */
  narration: string;
  do: LessonAction[];
  task?: LessonTask;
  predict?: Prediction;
  waitFor?: Condition;
  hint?: string;
  highlight: string[];
  /** The observable statements of the step's narration, checked once it is done. */
  check: Claim[];
  /** 1-based line of the step's heading, for error messages. */
  line: number;
}

export interface Lesson {
  id: string;
  title: string;
  summary: string;
  /** What the learner takes away, in one line: the lesson index shows it. */
  teaches: string;
  /** The number of its file name (`07-...md` is 7): how lessons name each other ("lesson 7"). */
  number?: number;
  level: 'beginner' | 'intermediate' | 'advanced';
  minutes: number;
  setup: LessonSetup;
  /** Markdown before the first step. */
  intro: string;
  steps: LessonStep[];
  file: string;
}
