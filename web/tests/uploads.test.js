import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../lib/api.js';
import { memoryDb } from '../lib/db.js';
import { CHUNK_BYTES } from '../lib/photo.js';
import { createUploadQueue } from '../lib/uploads.js';

/** A fake hub holding what it received per hash; `cutAfter` chunks then the link drops once. */
function fakeHub({ cutAfter = Infinity, missing = false } = {}) {
  const received = new Map();
  let puts = 0;
  const hub = {
    puts: () => puts,
    received,
    api: {
      accessToken: () => 'tok',
      async get(path) {
        if (missing) throw new ApiError(404, 'not_found', 'Ressource introuvable.');
        const sha = path.split('/').pop();
        const have = received.get(sha) ?? 0;
        return { received: have, complete: have > 0 && have === hub.sizes.get(sha) };
      },
    },
    sizes: new Map(),
    async fetch(url, init) {
      const u = new URL(url, 'http://hub');
      const sha = u.pathname.split('/').pop();
      const offset = Number(u.searchParams.get('offset'));
      hub.sizes.set(sha, Number(u.searchParams.get('size')));
      puts += 1;
      if (puts > cutAfter) {
        cutAfter = Infinity;
        throw new TypeError('network');
      }
      const have = received.get(sha) ?? 0;
      if (offset !== have) return response(409, { error: { code: 'upload_offset', message: 'Reprise', received: have } });
      received.set(sha, have + init.body.length);
      const now = received.get(sha);
      return response(200, { received: now, complete: now === hub.sizes.get(sha) });
    },
  };
  return hub;
}

function response(status, body) {
  return { status, ok: status < 300, headers: new Map(), json: async () => body };
}

const photo = (size) => ({
  mime: 'image/jpeg',
  full: { sha256: 'f'.repeat(64), bytes: new Uint8Array(size).fill(1), width: 1280, height: 960 },
  thumb: { sha256: 'a'.repeat(64), bytes: new Uint8Array(1000).fill(2), width: 320, height: 240 },
});

test('uploads in chunks, resumes after a cut, then attaches through the outbox', async () => {
  const db = memoryDb();
  const hub = fakeHub({ cutAfter: 2 });
  const acts = [];
  let online = false;
  const queue = createUploadQueue({ db, api: hub.api, fetch: hub.fetch, act: async (a) => acts.push(a), online: () => online });
  const size = 3 * CHUNK_BYTES + 10;
  await queue.add({ requestId: 'r1', kind: 'before', title: 'Photo avant', photo: photo(size) });
  await queue.run();
  assert.equal(hub.puts(), 0, 'nothing sent offline');
  online = true;
  await queue.run();
  assert.equal(acts.length, 0, 'the cut stops the run');
  assert.equal(hub.received.get('f'.repeat(64)), CHUNK_BYTES);
  await queue.run();
  assert.equal(hub.received.get('f'.repeat(64)), size);
  assert.equal(acts.length, 1);
  assert.equal(acts[0].path, '/provider/requests/r1/photos');
  assert.deepEqual({ ...acts[0].body, taken_at: undefined }, {
    kind: 'before', sha256: 'f'.repeat(64), thumb_sha256: 'a'.repeat(64), mime: 'image/jpeg', width: 1280, height: 960, taken_at: undefined,
  });
  const [job] = await queue.list('r1');
  assert.equal(job.state, 'attached');
  assert.ok(job.thumbBytes, 'the thumbnail stays for display');
  assert.equal(await db.get('uploads', 'f'.repeat(64)), undefined, 'the full bytes are freed');
  await queue.forget('f'.repeat(64));
  assert.deepEqual(await db.keys('uploads'), []);
});

test('a hub that lost bytes answers 409: the phone resumes where the hub is', async () => {
  const db = memoryDb();
  const hub = fakeHub();
  const acts = [];
  const queue = createUploadQueue({ db, api: hub.api, fetch: hub.fetch, act: async (a) => acts.push(a), online: () => true });
  hub.received.set('f'.repeat(64), CHUNK_BYTES); // already there from an earlier try
  await queue.add({ requestId: 'r1', kind: 'after', title: 'Photo après', photo: photo(2 * CHUNK_BYTES) });
  await queue.run();
  assert.equal(acts.length, 1);
  assert.equal(hub.puts(), 2, 'one chunk for the thumbnail, one for the rest of the photo');
});

test('a hub without the route keeps the photo waiting', async () => {
  const db = memoryDb();
  const hub = fakeHub({ missing: true });
  const queue = createUploadQueue({ db, api: hub.api, fetch: hub.fetch, act: async () => {}, online: () => true });
  await queue.add({ requestId: 'r1', kind: 'after', title: 'Photo après', photo: photo(10) });
  await queue.run();
  const [job] = await queue.list('r1');
  assert.equal(job.state, 'uploading');
});

test('idle resolves once the run in progress is over, and at once when none is', async () => {
  const db = memoryDb();
  const hub = fakeHub();
  const acts = [];
  const queue = createUploadQueue({ db, api: hub.api, fetch: hub.fetch, act: async (a) => acts.push(a), online: () => true });
  await queue.idle();
  await queue.add({ requestId: 'r1', kind: 'after', title: 'Photo après', photo: photo(100), takenAt: Date.parse('2026-11-26T10:00:00Z') });
  await queue.idle();
  assert.equal(acts.length, 1, 'the photo is attached once idle resolves');
  assert.equal(acts[0].body.taken_at, '2026-11-26T10:00:00.000Z', 'the time given (the hub\'s clock) is the one sent');
});
