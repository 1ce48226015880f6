// Quick replies and questions (`GET /provider/message-templates`): which ones the app can offer, and how they read.
// Pure.

/** The variables the hub fills by itself when it sends a template; others (e.g. {minutes}) would need a value typed. */
export const BUILT_IN = Object.freeze(['client', 'prestataire', 'titre', 'service', 'zone']);

/** The variable names in a template body: "Bonjour {client}, {minutes} min" → ['client', 'minutes']. */
export function variablesOf(body) {
  return [...String(body ?? '').matchAll(/\{([^{}]{1,30})\}/g)].map((m) => m[1]);
}

/**
 * The templates the app can send with one tap, with the text the client will read: built-in variables filled from
 * `values` ({client: 'Awa', titre: 'Fuite cuisine', …}; a missing one reads as a neutral word).
 * @returns {{code: string, text: string, own: boolean}[]}
 */
export function usableTemplates(list, values = {}) {
  const neutral = { client: 'client', prestataire: 'votre prestataire', titre: 'votre demande', service: 'le service', zone: 'votre quartier' };
  return (list ?? [])
    .filter((template) => template?.code && template.body && variablesOf(template.body).every((name) => BUILT_IN.includes(name)))
    .map((template) => ({
      code: template.code,
      own: Boolean(template.own),
      text: template.body.replace(/\{([^{}]{1,30})\}/g, (_, name) => values[name] || neutral[name] || name),
    }));
}
