import assert from 'node:assert/strict';
import { test } from 'node:test';
import { changeLabel, commissionBreakdown, dayHeading, groupHistory, invoiceDue, invoiceFilters, invoiceStatus, mergeById, shortDate, sortPending } from '../lib/finance.js';

const NOW = Date.parse('2026-11-26T10:00:00Z');

test('short dates in Douala, with the year only when it differs', () => {
  assert.equal(shortDate('2026-11-25T23:30:00Z', NOW), '26 nov.', 'after 23:00 UTC it is already the next day in Douala');
  assert.equal(shortDate('2025-07-04T23:00:00.000Z', NOW), '5 juil. 2025');
  assert.equal(shortDate(null, NOW), '—');
});

test('day headings', () => {
  assert.equal(dayHeading('2026-11-26', NOW), 'Aujourd’hui');
  assert.equal(dayHeading('2026-11-25', NOW), 'Hier');
  assert.equal(dayHeading('2026-11-23', NOW), 'lundi 23 nov.');
});

test('commission breakdown is transparent: gross, commission, net, rate', () => {
  const b = commissionBreakdown({
    gross: 998200, commission: 81936, net: 916264,
    commission_rates: [{ basis_points: 800, commission: 81936, effective_from: '2026-10-12T23:00:00.000Z', level: 'or', missions: 56, percent_label: '8\u202F%' }],
    comparison: { gross: 1017600, gross_change: -19400, gross_change_percent: -1.9, previous: { label: 'Octobre 2026' } },
  });
  assert.equal(b.gross, '998\u202F200\u00A0FCFA');
  assert.equal(b.commission, '81\u202F936\u00A0FCFA');
  assert.equal(b.net, '916\u202F264\u00A0FCFA');
  assert.equal(b.share, '8,2\u202F%');
  assert.equal(b.rates[0].text, '8\u202F% sur 56 missions · niveau Or (taux en vigueur depuis le 13 oct.)');
  assert.equal(b.rates[0].amount, '81\u202F936\u00A0FCFA');
  assert.deepEqual(b.change, { previous: 'Octobre 2026\u00A0: 1\u202F017\u202F600\u00A0FCFA', delta: '-19\u202F400\u00A0FCFA (-1,9\u202F%)', trend: 'down' });
});

test('an empty period has no NaN and the net falls back to gross − commission', () => {
  const b = commissionBreakdown({ gross: 1000, commission: 100 });
  assert.equal(b.net, '900\u00A0FCFA');
  const none = commissionBreakdown({});
  assert.equal(none.share, '—');
  assert.equal(none.change, null);
  assert.deepEqual(changeLabel({ gross: 0, gross_change: 5000, previous: { label: 'Année 2025' } }).delta, '+5\u00A0000\u00A0FCFA'.replace('\u00A0000', '\u202F000'));
});

test('pending payments: late first, most late first, then by due date', () => {
  const sorted = sortPending([
    { id: 'a', status: 'partielle', days_late: 0, due_at: '2026-12-03' },
    { id: 'b', status: 'en_retard', days_late: 3 },
    { id: 'c', status: 'envoyee', days_late: 0, due_at: '2026-11-30' },
    { id: 'd', status: 'en_retard', days_late: 75 },
  ]);
  assert.deepEqual(sorted.map((p) => p.id), ['d', 'b', 'c', 'a']);
});

test('payment history grouped by Douala day, newest first, reversals subtracted', () => {
  const groups = groupHistory([
    { entry_id: '1', recorded_at: '2026-11-25T12:00:00Z', amount: 5000, kind: 'payment' },
    { entry_id: '2', recorded_at: '2026-11-25T23:30:00Z', amount: 7000, kind: 'payment' },
    { entry_id: '3', recorded_at: '2026-11-26T08:00:00Z', amount: 2000, kind: 'reversal' },
    { entry_id: '4', recorded_at: '2026-11-25T09:00:00Z', amount: 9000, kind: 'payment', reversed: true },
  ], NOW);
  assert.deepEqual(groups.map((g) => [g.label, g.total, g.items.map((i) => i.entry_id).join()]), [
    ['Aujourd’hui', 5000, '3,2'],
    ['Hier', 5000, '1,4'],
  ]);
  assert.deepEqual(groupHistory([], NOW), []);
});

test('more history merges without duplicates', () => {
  assert.deepEqual(mergeById([{ entry_id: 'a' }], [{ entry_id: 'a' }, { entry_id: 'b' }]).map((x) => x.entry_id), ['a', 'b']);
});

test('invoice statuses, filters and what is still due', () => {
  assert.deepEqual(invoiceStatus({ status: 'en_retard', status_label: 'En retard' }), { label: 'En retard', tone: 'urgent' });
  assert.deepEqual(invoiceStatus({ status: 'payee' }), { label: 'Payée', tone: 'done' });
  const filters = invoiceFilters({ en_retard: 9, envoyee: 0, partielle: 4, payee: 146, surpayee: 0 });
  assert.deepEqual(filters.map((f) => f.label), ['Toutes (159)', 'En retard (9)', 'Partielle (4)', 'Payée (146)']);
  assert.equal(filters[0].code, null);
  assert.equal(invoiceDue({ status: 'payee', amount_due: 0 }), 'Réglée');
  assert.equal(invoiceDue({ status: 'en_retard', amount_due: 10900, days_late: 75 }), 'Reste 10\u202F900\u00A0FCFA · en retard de 75\u00A0j');
  assert.equal(invoiceDue({ status: 'partielle', amount_due: 500, days_late: 0, due_at: '2026-12-03T01:20:05Z' }, NOW), 'Reste 500\u00A0FCFA · échéance 3 déc.');
});

test('export presets follow the Douala calendar: months, quarters and years, last year for the tax declaration', async () => {
  const { exportPresets } = await import('../lib/finance.js');
  const spans = Object.fromEntries(exportPresets(Date.parse('2026-01-15T10:00:00Z')).map((p) => [p.code, [p.from, p.to, p.label]]));
  assert.deepEqual(spans.month, ['2026-01-01', '2026-01-31', 'Ce mois']);
  assert.deepEqual(spans['last-month'], ['2025-12-01', '2025-12-31', 'Mois dernier']);
  assert.deepEqual(spans.quarter, ['2026-01-01', '2026-03-31', 'Ce trimestre']);
  assert.deepEqual(spans['last-quarter'], ['2025-10-01', '2025-12-31', 'Trimestre dernier']);
  assert.deepEqual(spans['last-year'], ['2025-01-01', '2025-12-31', 'Année 2025']);
  // 23:30 UTC on 31 March is already 1 April in Douala.
  const april = Object.fromEntries(exportPresets(Date.parse('2026-03-31T23:30:00Z')).map((p) => [p.code, [p.from, p.to]]));
  assert.deepEqual(april.month, ['2026-04-01', '2026-04-30']);
  assert.deepEqual(april['last-quarter'], ['2026-01-01', '2026-03-31']);
  const leap = Object.fromEntries(exportPresets(Date.parse('2028-03-10T10:00:00Z')).map((p) => [p.code, [p.from, p.to]]));
  assert.deepEqual(leap['last-month'], ['2028-02-01', '2028-02-29']);
});

test('the export period is checked as the hub checks it, with French messages', async () => {
  const { exportPeriodError } = await import('../lib/finance.js');
  assert.equal(exportPeriodError('2026-01-01', '2026-03-31'), null);
  assert.equal(exportPeriodError('2024-01-01', '2024-12-31'), null, 'a whole leap year: 366 days');
  assert.equal(exportPeriodError('2026-03-01', '2026-03-01'), null, 'one day');
  assert.match(exportPeriodError('', '2026-03-31'), /Choisissez/);
  assert.match(exportPeriodError('2026-02-30', '2026-03-31'), /AAAA-MM-JJ/);
  assert.match(exportPeriodError('31/01/2026', '2026-03-31'), /AAAA-MM-JJ/);
  assert.match(exportPeriodError('2026-04-01', '2026-03-31'), /après/);
  assert.match(exportPeriodError('2025-01-01', '2026-01-02'), /366 jours/);
  assert.match(exportPeriodError('1999-12-31', '2000-01-02'), /2000 et 2099/);
});

test('export and invoice PDF paths and file names', async () => {
  const { exportPath, exportFileName, fileNameFromDisposition, invoicePdfPath, EXPORT_FORMATS } = await import('../lib/finance.js');
  assert.deepEqual(EXPORT_FORMATS.map((f) => f.code), ['pdf', 'xlsx', 'csv']);
  assert.equal(exportPath('xlsx', '2026-01-01', '2026-03-31'), '/provider/finance/export/xlsx?from=2026-01-01&to=2026-03-31');
  assert.equal(exportFileName('csv', '2026-01-01', '2026-03-31'), 'releve-2026-01-01_2026-03-31.csv');
  assert.equal(invoicePdfPath('01J/x'), '/provider/finance/invoices/01J%2Fx/pdf');
  assert.equal(fileNameFromDisposition('inline; filename="F-2026-0007.pdf"', 'x.pdf'), 'F-2026-0007.pdf');
  assert.equal(fileNameFromDisposition('attachment; filename=releve-2026-01-01_2026-03-31.xlsx', 'x'), 'releve-2026-01-01_2026-03-31.xlsx');
  assert.equal(fileNameFromDisposition('', 'facture.pdf'), 'facture.pdf');
  assert.equal(fileNameFromDisposition('attachment; filename="../../etc/passwd"', 'safe.pdf'), 'safe.pdf');
});
