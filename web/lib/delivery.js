// The state of a message exchanged with the client, as the request card shows it: a WhatsApp-style tick after the
// time (🕓 en file, ✓ envoyé, ✓✓ remis, blue ✓✓ lu, red "Échec" with the reason), "SMS" when it went by SMS, and the
// client's own messages marked as theirs. Always a French label in text (never colour only). Pure.

/** Outgoing states, in the order they move forward (`local`: typed on the phone, not yet at the hub). */
export const DELIVERY_STATES = Object.freeze(['local', 'queued', 'sent', 'delivered', 'read', 'failed']);

const STATES = Object.freeze({
  local: { label: 'En attente de réseau', tick: null, icon: 'clock' },
  queued: { label: 'En file', tick: null, icon: 'clock' },
  sent: { label: 'Envoyé', tick: '✓', icon: null },
  delivered: { label: 'Remis', tick: '✓✓', icon: null },
  read: { label: 'Lu', tick: '✓✓', icon: null },
  failed: { label: 'Échec', tick: null, icon: 'alert' },
});

/**
 * How one message of `GET /provider/requests/{id}` reads.
 * @param {{direction?: string, delivery_status?: string, delivery_label?: string, status_reason?: string|null, channel?: string}} message
 * @returns {{incoming: boolean, who: string, state: string, label: string, tick: string|null, icon: string|null,
 *   className: string, reason: string|null, failed: boolean, sms: boolean, channelLabel: string|null, ariaLabel: string}}
 */
export function deliveryView(message) {
  const m = message ?? {};
  const sms = m.channel === 'sms';
  const channelLabel = sms ? 'SMS' : null;
  const reason = typeof m.status_reason === 'string' && m.status_reason.trim() ? m.status_reason.trim() : null;
  if (m.direction === 'in') {
    const label = m.delivery_label || 'Reçu';
    return {
      incoming: true, who: 'Client', state: 'received', label, tick: null, icon: null, className: 'msg-st received', reason: null, failed: false,
      sms, channelLabel, ariaLabel: ['Message du client', label, channelLabel && 'par SMS'].filter(Boolean).join(', '),
    };
  }
  const state = STATES[m.delivery_status] ? m.delivery_status : null;
  const known = state ? STATES[state] : null;
  const label = known?.label ?? (m.delivery_label || m.delivery_status || '');
  const failed = state === 'failed';
  return {
    incoming: false,
    who: 'Vous',
    state: state ?? 'unknown',
    label,
    tick: known?.tick ?? null,
    icon: known?.icon ?? null,
    className: 'msg-st ' + (state ?? 'unknown'),
    reason,
    failed,
    sms,
    channelLabel,
    ariaLabel: [label, channelLabel && 'par SMS'].filter(Boolean).join(', '),
  };
}

/** The messages of a request detail in the order they were written (oldest first); tolerant of a missing list. */
export function sortedMessages(messages) {
  return (Array.isArray(messages) ? messages : []).slice().sort((a, b) => String(a?.sent_at).localeCompare(String(b?.sent_at)));
}
