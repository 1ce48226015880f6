// Mission photos on the phone, the pure parts: the size to draw at, the compression attempts, the chunks of a
// resumable upload. The canvas work itself lives in `compressImage` (browser only, kept at the bottom).

/** The hub takes at most 1280 px a side and 256 000 bytes; the phone aims a little under. */
export const MAX_SIDE = 1280;
export const MAX_BYTES = 250_000;
export const THUMB_SIDE = 320;
export const THUMB_MAX_BYTES = 40_000;
/** One upload request's body (the hub's global cap is 64 KB). */
export const CHUNK_BYTES = 48 * 1024;

/**
 * The size to draw an image at so its long side is at most `maxSide` (never enlarged; at least 1 px).
 * @returns {{width: number, height: number, scale: number}}
 */
export function fitWithin(width, height, maxSide = MAX_SIDE) {
  const w = Math.max(1, Math.round(Number(width) || 1));
  const hgt = Math.max(1, Math.round(Number(height) || 1));
  const long = Math.max(w, hgt);
  const scale = long > maxSide ? maxSide / long : 1;
  return { width: Math.max(1, Math.round(w * scale)), height: Math.max(1, Math.round(hgt * scale)), scale };
}

/**
 * The attempts to fit under the byte budget, in order: lower the JPEG quality first, then the size.
 * @returns {{maxSide: number, quality: number}[]}
 */
export function compressionPlan(maxSide = MAX_SIDE) {
  const plan = [];
  const sides = [maxSide, Math.round(maxSide * 0.8), Math.round(maxSide * 0.64), Math.round(maxSide * 0.5), Math.round(maxSide * 0.4)];
  const qualities = [0.82, 0.72, 0.62, 0.52, 0.42];
  for (const side of sides) {
    for (const quality of side === maxSide ? qualities : qualities.slice(1, 4)) plan.push({ maxSide: side, quality });
  }
  return plan;
}

/**
 * The byte ranges still to send, from the hub's `received` offset: [{start, end}] with `end` exclusive,
 * each at most `chunk` bytes. A `received` beyond the size (or negative) restarts from 0.
 */
export function chunkRanges(size, received = 0, chunk = CHUNK_BYTES) {
  const total = Math.max(0, Math.floor(Number(size) || 0));
  let offset = Math.floor(Number(received) || 0);
  if (offset < 0 || offset > total) offset = 0;
  const step = Math.max(1, Math.floor(chunk));
  const ranges = [];
  for (let start = offset; start < total; start += step) ranges.push({ start, end: Math.min(total, start + step) });
  return ranges;
}

/** Bytes as lowercase hex (a SHA-256 digest → 64 characters). */
export function toHex(buffer) {
  const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** SHA-256 of bytes, as hex (Web Crypto: browsers and Node). */
export async function sha256Hex(bytes, subtle = globalThis.crypto?.subtle) {
  const digest = await subtle.digest('SHA-256', bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
  return toHex(digest);
}

/** "182 Ko" — a size for the provider. */
export function formatBytes(bytes) {
  const n = Math.max(0, Number(bytes) || 0);
  if (n < 1000) return `${n}\u00A0o`;
  if (n < 1_000_000) return `${Math.round(n / 1000)}\u00A0Ko`;
  return `${(n / 1_000_000).toFixed(1).replace('.', ',')}\u00A0Mo`;
}

// MARK: - Browser only

/** Decodes an image file (EXIF orientation applied where the browser can). */
async function decode(file) {
  if (globalThis.createImageBitmap) {
    try {
      return await createImageBitmap(file, { imageOrientation: 'from-image' });
    } catch {
      /* falls back to <img> */
    }
  }
  const url = URL.createObjectURL(file);
  try {
    const image = new Image();
    image.decoding = 'async';
    image.src = url;
    await image.decode();
    return image;
  } finally {
    URL.revokeObjectURL(url);
  }
}

function encode(source, width, height, quality) {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  context.fillStyle = '#fff'; // a transparent PNG gets a white background, not black
  context.fillRect(0, 0, width, height);
  context.drawImage(source, 0, 0, width, height);
  return new Promise((resolve) => canvas.toBlob((blob) => resolve(blob), 'image/jpeg', quality));
}

async function fit(source, sourceWidth, sourceHeight, maxSide, maxBytes) {
  let last = null;
  for (const step of compressionPlan(maxSide)) {
    const size = fitWithin(sourceWidth, sourceHeight, step.maxSide);
    const blob = await encode(source, size.width, size.height, step.quality);
    if (!blob) continue;
    last = { blob, ...size };
    if (blob.size <= maxBytes) return last;
  }
  if (last && last.blob.size <= maxBytes) return last;
  throw new Error('Photo impossible à réduire sous ' + formatBytes(maxBytes) + '.');
}

/**
 * Resizes and compresses a photo on the phone: a JPEG ≤ 1280 px and ≤ 250 KB, and a 320 px thumbnail.
 * @returns {Promise<{full: {bytes: Uint8Array, width, height, sha256}, thumb: {bytes: Uint8Array, width, height, sha256}, mime: string}>}
 */
export async function compressImage(file) {
  const source = await decode(file);
  const width = source.width || source.naturalWidth;
  const height = source.height || source.naturalHeight;
  try {
    const full = await fit(source, width, height, MAX_SIDE, MAX_BYTES);
    const thumb = await fit(source, width, height, THUMB_SIDE, THUMB_MAX_BYTES);
    const pack = async (part) => {
      const bytes = new Uint8Array(await part.blob.arrayBuffer());
      return { bytes, width: part.width, height: part.height, sha256: await sha256Hex(bytes) };
    };
    return { full: await pack(full), thumb: await pack(thumb), mime: 'image/jpeg' };
  } finally {
    source.close?.();
  }
}
