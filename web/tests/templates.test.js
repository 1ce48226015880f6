import assert from 'node:assert/strict';
import { test } from 'node:test';
import { usableTemplates, variablesOf } from '../lib/templates.js';

test('only templates the hub can fill by itself are offered, with the text the client will read', () => {
  const list = [
    { code: 'arrive_15min', body: "J'arrive dans 15 minutes", own: false },
    { code: 'arrive_dans', body: 'Bonjour {client}, j’arrive dans {minutes} minutes', own: false },
    { code: 'salut', body: 'Bonjour {client}, ici {prestataire} pour « {titre} »', own: true },
  ];
  assert.deepEqual(variablesOf(list[1].body), ['client', 'minutes']);
  assert.deepEqual(usableTemplates(list, { client: 'Awa', titre: 'Fuite cuisine' }), [
    { code: 'arrive_15min', own: false, text: "J'arrive dans 15 minutes" },
    { code: 'salut', own: true, text: 'Bonjour Awa, ici votre prestataire pour « Fuite cuisine »' },
  ]);
  assert.deepEqual(usableTemplates(null), []);
});
