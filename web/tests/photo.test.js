import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHUNK_BYTES, chunkRanges, compressionPlan, fitWithin, formatBytes, sha256Hex, toHex } from '../lib/photo.js';

test('fit within a long side, never enlarged', () => {
  assert.deepEqual(fitWithin(4000, 3000, 1280), { width: 1280, height: 960, scale: 0.32 });
  assert.deepEqual(fitWithin(3000, 4000, 1280), { width: 960, height: 1280, scale: 0.32 });
  assert.deepEqual(fitWithin(800, 600, 1280), { width: 800, height: 600, scale: 1 });
  assert.equal(fitWithin(4000, 3000, 320).width, 320);
  assert.deepEqual(fitWithin(10000, 10, 320), { width: 320, height: 1, scale: 0.032 });
  assert.deepEqual(fitWithin(0, 0), { width: 1, height: 1, scale: 1 });
});

test('the compression plan lowers quality, then size, never above the max side', () => {
  const plan = compressionPlan(1280);
  assert.deepEqual(plan[0], { maxSide: 1280, quality: 0.82 });
  for (let i = 1; i < plan.length; i++) {
    const [a, b] = [plan[i - 1], plan[i]];
    assert.ok(b.maxSide < a.maxSide || (b.maxSide === a.maxSide && b.quality < a.quality), `step ${i} is smaller`);
  }
  assert.ok(plan.every((step) => step.maxSide <= 1280 && step.quality > 0.3 && step.quality < 1));
  assert.ok(plan.at(-1).maxSide <= 520);
  assert.equal(compressionPlan(320)[0].maxSide, 320);
});

test('chunks resume at the received offset', () => {
  assert.deepEqual(chunkRanges(100_000, 0), [
    { start: 0, end: CHUNK_BYTES },
    { start: CHUNK_BYTES, end: 2 * CHUNK_BYTES },
    { start: 2 * CHUNK_BYTES, end: 100_000 },
  ]);
  assert.deepEqual(chunkRanges(100_000, 60_000), [{ start: 60_000, end: 100_000 }]);
  assert.deepEqual(chunkRanges(200_000, 60_000).map((r) => r.start), [60_000, 60_000 + CHUNK_BYTES, 60_000 + 2 * CHUNK_BYTES]);
  assert.deepEqual(chunkRanges(100_000, 100_000), []);
  assert.equal(chunkRanges(100, 500)[0].start, 0, 'beyond the size restarts');
  assert.equal(chunkRanges(100, -3)[0].start, 0);
  assert.deepEqual(chunkRanges(0, 0), []);
  assert.deepEqual(chunkRanges(10, 0, 4), [{ start: 0, end: 4 }, { start: 4, end: 8 }, { start: 8, end: 10 }]);
});

test('hex and SHA-256', async () => {
  assert.equal(toHex(new Uint8Array([0, 15, 255])), '000fff');
  assert.equal(await sha256Hex(new TextEncoder().encode('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(formatBytes(999), '999\u00A0o');
  assert.equal(formatBytes(182_400), '182\u00A0Ko');
});
