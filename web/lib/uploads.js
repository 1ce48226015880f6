// The photo upload queue: compressed photos wait in IndexedDB (store `uploads`) until the hub has every byte, sent
// in 48 KiB chunks that resume at the hub's `received` offset after a cut; then the photo is attached to the
// mission through the outbox (`act`). Runs when online, after a refresh, and when a photo is added.
//
// Records in the `uploads` store:
//   <sha256>          { sha256, bytes: Uint8Array, mime, size }                       the bytes of one image
//   photo:<sha256>    { sha256, thumb_sha256, requestId, kind, mime, width, height,   one photo to attach
//                       taken_at, title, state: 'uploading'|'attached'|'failed', error, sent, size, created_at }
import { ApiError } from './api.js';
import { chunkRanges } from './photo.js';

const JOB = 'photo:';

/**
 * @param {object} deps
 * @param {object} deps.db        lib/db.js
 * @param {object} deps.api       lib/api.js (get, request, accessToken)
 * @param {(action: object) => Promise<any>} deps.act  ctx.act
 * @param {typeof fetch} [deps.fetch]
 * @param {(job: object) => void} [deps.onChange] progress and state changes
 * @param {() => boolean} [deps.online]
 */
export function createUploadQueue({ db, api, act, fetch = (...a) => globalThis.fetch(...a), onChange = () => {}, online = () => globalThis.navigator?.onLine !== false, baseURL = '' }) {
  let running = null;
  let again = false;

  async function jobs() {
    const keys = await db.keys('uploads');
    const found = [];
    for (const key of keys) {
      if (typeof key === 'string' && key.startsWith(JOB)) {
        const job = await db.get('uploads', key);
        if (job) found.push(job);
      }
    }
    return found.sort((a, b) => a.created_at - b.created_at);
  }

  async function saveJob(job) {
    await db.put('uploads', JOB + job.sha256, job);
    onChange({ ...job });
  }

  /** PUT one chunk; answers {received, complete}, or {conflict: received} on 409 upload_offset. */
  async function putChunk(sha256, start, chunk, size, retried = false) {
    const token = api.accessToken?.();
    let response;
    try {
      response = await fetch(`${baseURL}/provider/uploads/${sha256}?offset=${start}&size=${size}`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/octet-stream', Accept: 'application/json', ...(token ? { Authorization: 'Bearer ' + token } : {}) },
        body: chunk,
      });
    } catch {
      throw new ApiError(0, 'network', 'Pas de connexion au hub.');
    }
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (response.status === 401 && !retried) {
      await api.get('/provider/uploads/' + sha256); // renews the token through the API's refresh
      return putChunk(sha256, start, chunk, size, true);
    }
    if (response.status === 409 && data?.error?.code === 'upload_offset') {
      const header = Number(response.headers?.get?.('Upload-Offset'));
      return { conflict: Number.isFinite(data.error.received) ? data.error.received : header };
    }
    if (!response.ok) throw new ApiError(response.status, data?.error?.code ?? 'http_' + response.status, data?.error?.message || 'Envoi de la photo refusé.');
    return data ?? {};
  }

  /** Sends what the hub lacks of one image; resolves once it is complete. */
  async function upload(sha256, job) {
    const blob = await db.get('uploads', sha256);
    let status = await api.get('/provider/uploads/' + sha256);
    if (status?.complete) return;
    if (!blob) throw new ApiError(410, 'photo_lost', 'Photo introuvable sur le téléphone : reprenez-la.');
    const bytes = blob.bytes instanceof Uint8Array ? blob.bytes : new Uint8Array(blob.bytes);
    let offset = status?.received ?? 0;
    for (let guard = 0; guard < 200; guard++) {
      const [range] = chunkRanges(bytes.length, offset);
      if (!range) {
        status = await api.get('/provider/uploads/' + sha256);
        if (status?.complete) return;
        if ((status?.received ?? 0) >= bytes.length) throw new ApiError(422, 'photo_hash_mismatch', 'Photo corrompue : reprenez-la.');
        offset = status?.received ?? 0;
        continue;
      }
      const answer = await putChunk(sha256, range.start, bytes.subarray(range.start, range.end), bytes.length);
      if (answer.conflict !== undefined) {
        offset = Number(answer.conflict) || 0;
        continue;
      }
      if (answer.complete) return;
      offset = answer.received ?? range.end;
      job.sent = (job.sha256 === sha256 ? (job.thumb_size ?? 0) : 0) + offset;
      onChange({ ...job });
    }
    throw new ApiError(0, 'retry', 'Envoi interrompu.');
  }

  async function runOnce() {
    for (const job of await jobs()) {
      if (job.state !== 'uploading') continue;
      if (!online()) return;
      try {
        if (job.thumb_sha256) await upload(job.thumb_sha256, job);
        await upload(job.sha256, job);
        const body = {
          kind: job.kind, sha256: job.sha256, thumb_sha256: job.thumb_sha256 ?? undefined, mime: job.mime,
          width: job.width, height: job.height, taken_at: job.taken_at,
        };
        await act({ method: 'POST', path: `/provider/requests/${encodeURIComponent(job.requestId)}/photos`, body, title: job.title, requestId: job.requestId });
        job.state = 'attached';
        job.sent = job.size;
        await db.delete('uploads', job.sha256); // the thumbnail stays, to show until the hub lists the photo
        await saveJob(job);
      } catch (error) {
        if (error instanceof ApiError && (error.offline || error.status === 401 || error.status === 404 || error.status === 408 || error.status === 429 || error.status >= 500 || error.code === 'retry')) {
          // No link, or a hub without the upload route yet: try again later, keeping the order.
          return;
        }
        job.state = 'failed';
        job.error = error?.message || 'Envoi de la photo refusé.';
        await saveJob(job);
      }
    }
  }

  return {
    /** Sends what waits, one photo after the other; concurrent calls share one run (and one more if asked meanwhile). */
    run() {
      if (running) {
        again = true;
        return running;
      }
      running = (async () => {
        do {
          again = false;
          await runOnce();
        } while (again && online());
      })().finally(() => {
        running = null;
      });
      return running;
    },

    /** Resolves once no run is in progress (logout waits for it before wiping the phone). */
    idle() {
      return (running ?? Promise.resolve()).catch(() => {});
    },

    /**
     * Queues a compressed photo (lib/photo.js compressImage's result) for a request.
     * @returns the job
     */
    async add({ requestId, kind, title, photo, takenAt = new Date() }) {
      await db.put('uploads', photo.full.sha256, { sha256: photo.full.sha256, bytes: photo.full.bytes, mime: photo.mime, size: photo.full.bytes.length });
      await db.put('uploads', photo.thumb.sha256, { sha256: photo.thumb.sha256, bytes: photo.thumb.bytes, mime: photo.mime, size: photo.thumb.bytes.length });
      const job = {
        sha256: photo.full.sha256,
        thumb_sha256: photo.thumb.sha256,
        requestId,
        kind,
        title,
        mime: photo.mime,
        width: photo.full.width,
        height: photo.full.height,
        taken_at: new Date(takenAt).toISOString(),
        state: 'uploading',
        error: null,
        sent: 0,
        size: photo.full.bytes.length + photo.thumb.bytes.length,
        thumb_size: photo.thumb.bytes.length,
        created_at: Date.now(),
      };
      await saveJob(job);
      this.run();
      return job;
    },

    /** The photos of a request still on the phone, with the thumbnail bytes when kept. */
    async list(requestId) {
      const found = [];
      for (const job of await jobs()) {
        if (job.requestId !== requestId) continue;
        const thumb = job.thumb_sha256 ? await db.get('uploads', job.thumb_sha256) : null;
        found.push({ ...job, thumbBytes: thumb?.bytes ?? null });
      }
      return found;
    },

    /** Forgets a photo and its bytes (the hub lists it, or the provider gives up a failed one). */
    async forget(sha256) {
      const job = await db.get('uploads', JOB + sha256);
      await db.delete('uploads', JOB + sha256);
      await db.delete('uploads', sha256);
      if (job?.thumb_sha256) await db.delete('uploads', job.thumb_sha256);
    },

    /** Puts a failed photo back in the queue. */
    async retry(sha256) {
      const job = await db.get('uploads', JOB + sha256);
      if (!job) return;
      job.state = 'uploading';
      job.error = null;
      await saveJob(job);
      this.run();
    },
  };
}
