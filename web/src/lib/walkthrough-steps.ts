/**
 * The ten steps of the walkthrough (shared seed walkthrough.txt), told in this project's words
 * and corrected against @socket.io/redis-adapter 8.3 (node_modules/@socket.io/redis-adapter/dist/index.js):
 * the sub connection is a duplicate(), every server (the sender too) receives every broadcast,
 * and `socket.emit` to one socket never goes through Redis.
 */
import type { Step } from '../../../trace/events.ts';

export interface WalkthroughStep {
  step: Step;
  title: string;
  text: string;
}

export const STEPS: readonly WalkthroughStep[] = [
  {
    step: 1,
    title: 'Servers start',
    text: 'Each Socket.IO server listens on a port of its own: s1 on 4001, s2 on 4002, and so on.',
  },
  {
    step: 2,
    title: 'A client connects',
    text: 'A client opens a WebSocket (an engine.io transport) to one server, and stays with that server.',
  },
  {
    step: 3,
    title: 'connection fires',
    text: "The server's connection event fires for the new socket. Rooms it joins live on that server only.",
  },
  {
    step: 4,
    title: 'Two Redis connections',
    text: 'Each server opens a pub connection to Redis and a second one made with duplicate() for subscribing: a connection in subscriber mode can run nothing else.',
  },
  {
    step: 5,
    title: 'Subscribe',
    text: 'The sub connection sends PSUBSCRIBE socket.io#/#* for broadcasts and SUBSCRIBE for the request and response channels. Redis keeps no messages; it only knows who listens.',
  },
  {
    step: 6,
    title: 'The adapter',
    text: 'createAdapter(pub, sub) from @socket.io/redis-adapter (successor of socket.io-redis) builds an adapter with a random uid, its name on the wire.',
  },
  {
    step: 7,
    title: 'io.adapter()',
    text: 'io.adapter(...) attaches it, so every broadcast this server makes now goes through the adapter.',
  },
  {
    step: 8,
    title: 'Broadcast and PUBLISH',
    text: 'A client sends a message and the server calls io.emit. The adapter writes it to its own sockets and PUBLISHes [uid, packet, opts] (msgpack) on socket.io#/# (socket.io#/#room# for one room). socket.emit to one socket never touches Redis.',
  },
  {
    step: 9,
    title: 'Redis fans out',
    text: 'Redis sends the message to every subscribed connection: every server, the sender included. Each server drops it for an unknown room or for its own uid; otherwise it writes it to its matching sockets.',
  },
  {
    step: 10,
    title: 'Clients receive',
    text: 'Clients on every server get the message over their WebSocket. A server or Redis that was down at that moment makes its clients miss it for good: pub/sub keeps nothing.',
  },
];
