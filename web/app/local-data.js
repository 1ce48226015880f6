// Whose data is on this phone: the provider's own, or wiped. Keyed by the provider id ('djobea.owner').

/** `{ forgetLocalData(), claimLocalData(pair) }` over the app's outbox and IndexedDB. */
export function localData({ outbox, db, forgetSynced, onForgotten }) {
  /**
   * Wipes what the phone holds for a provider: cached screens, requests, the offline queue, photos waiting to upload.
   * Done at logout, and when another provider logs in on the same phone (a shared or second-hand phone must never show,
   * or replay, someone else's data).
   */
  async function forgetLocalData() {
    await outbox.clear();
    for (const store of ['kv', 'requests', 'details', 'uploads']) await db.clear(store).catch(() => {});
    for (const key of ['djobea.lastEventId', 'djobea.owner']) localStorage.removeItem(key);
    forgetSynced();
    onForgotten();
  }

  /**
   * After a login: the data on the phone belongs to this provider, or is wiped first — also when no owner is recorded
   * (a phone that ran an older version, or a logout that could not finish): unknown data is never shown to anyone.
   */
  async function claimLocalData(pair) {
    if (!pair?.provider_id) return;
    if (localStorage.getItem('djobea.owner') !== pair.provider_id) await forgetLocalData();
    localStorage.setItem('djobea.owner', pair.provider_id);
  }

  return { forgetLocalData, claimLocalData };
}
