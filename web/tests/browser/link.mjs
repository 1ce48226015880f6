// A slow phone link between the browser and the hub, at the socket level: a TCP relay on loopback that delays every
// byte by half the round trip each way and lets through at most `downKbps`/`upKbps` (one link shared by all the
// connections, as a phone's radio is). Unlike DevTools' network conditions, which delay each HTTP request once and
// leave connection setup alone, this makes every new connection pay its TCP handshake and, over HTTPS, its TLS
// handshake round trips. Not modelled: TCP slow start, losses, header bytes.
import { createServer, connect } from 'node:net';
import { performance } from 'node:perf_hooks';

/** Bytes scheduled one slice at a time, so that a large write arrives as a stream rather than all at once at the end. */
const SLICE = 1460;

/**
 * Starts the relay on a free loopback port towards `target` ({ host, port }); resolves with { port, stop }.
 */
export async function startLink({ target, downKbps, upKbps, rttMs }) {
  const lanes = {
    up: { freeAt: 0, bytesPerMs: (upKbps * 1000) / 8 / 1000 },
    down: { freeAt: 0, bytesPerMs: (downKbps * 1000) / 8 / 1000 },
  };
  const sockets = new Set();
  const server = createServer((phone) => {
    // The phone's SYN reaches the hub half a round trip after it is sent, and the phone can send its first bytes once
    // the SYN-ACK is back: whatever it sends leaves no earlier than one round trip after connecting.
    const established = performance.now() + rttMs;
    const hub = connect(target.port, target.host);
    for (const socket of [phone, hub]) {
      socket.setNoDelay(true);
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        phone.destroy();
        hub.destroy();
      });
    }
    relay(phone, hub, lanes.up, rttMs, established);
    relay(hub, phone, lanes.down, rttMs, established);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: server.address().port,
    stop: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Copies `from` to `to` through `lane`: in order, each slice delivered when the link has carried it plus half the RTT.
 * Bytes sent before the connection is `established` wait for it without holding up the other connections.
 */
function relay(from, to, lane, rttMs, established) {
  const queue = [];
  const held = [];
  let timer = null;
  let ended = false;
  const pump = () => {
    timer = null;
    const now = performance.now();
    while (queue.length && queue[0].at <= now) to.write(queue.shift().bytes);
    if (queue.length) timer = setTimeout(pump, queue[0].at - now);
    else if (ended && !held.length) to.end();
  };
  const send = (chunk) => {
    for (let offset = 0; offset < chunk.length; offset += SLICE) {
      const bytes = chunk.subarray(offset, offset + SLICE);
      const start = Math.max(performance.now(), lane.freeAt);
      lane.freeAt = start + bytes.length / lane.bytesPerMs;
      queue.push({ at: lane.freeAt + rttMs / 2, bytes });
    }
  };
  from.on('data', (chunk) => {
    const wait = established - performance.now();
    if (held.length || wait > 0) {
      if (!held.length) {
        setTimeout(() => {
          for (const early of held.splice(0)) send(early);
          if (!timer) pump();
        }, Math.max(0, wait));
      }
      held.push(chunk);
      return;
    }
    send(chunk);
    if (!timer) pump();
  });
  from.on('end', () => {
    ended = true;
    if (!timer) pump();
  });
}
