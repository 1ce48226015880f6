// "Mon profil": who I am (name, e-mail, presentation, specialities with indicative rates, quarters, certifications)
// and the dialogs that change it.
import { fill, h, icon } from '/lib/dom.js';
import { doualaDay, formatDate, formatDecimal, formatXAF } from '/lib/format.js';
import { catalogue, check, field } from '/screens/profil/common.js';

/** The profile section of profile screen `p`: `{ renderProfile }`. */
export function profileSection(p) {
  const { data, boxes, save, dialog } = p;

  function renderProfile() {
    const p = data.profile;
    if (!p) return;
    const rating = p.average_rating == null ? 'pas encore noté' : `${formatDecimal(p.average_rating)} / 5 (${p.rating_count ?? 0} avis)`;
    fill(boxes.profile,
      h('div', { class: 'prof-head' },
        h('span', { class: 'prof-avatar', 'aria-hidden': 'true', text: (p.name ?? '?').split(/\s+/).map((w) => w[0]).slice(0, 2).join('').toUpperCase() }),
        h('div', { class: 'grow' },
          h('p', { class: 'prof-name', text: p.name ?? '' }),
          h('p', { class: 'muted' }, [p.level_label ? `Niveau ${p.level_label}` : null, rating].filter(Boolean).join(' · ')),
          p.account_status_label ? h('span', { class: 'tag' + (p.account_status === 'active' ? ' done' : ''), text: p.account_status_label }) : null)),
      h('dl', { class: 'prof-dl' },
        h('dt', { text: 'Téléphone' }), h('dd', { text: p.phone ?? '—' }),
        h('dt', { text: 'E-mail' }), h('dd', { text: p.email || '—' }),
        h('dt', { text: 'Présentation' }), h('dd', { text: p.bio || 'Aucune présentation : ajoutez-en une, les clients la lisent.' }),
        h('dt', { text: 'Spécialités et tarifs indicatifs' }),
        h('dd', {}, (p.services ?? []).length ? h('ul', { class: 'prof-plain' }, p.services.map((s) => h('li', {}, h('strong', { text: s.name }),
          s.rate_min || s.rate_max ? ` : de ${formatXAF(s.rate_min)} à ${formatXAF(s.rate_max)}` : ''))) : '—'),
        h('dt', { text: 'Quartiers d’intervention' }),
        h('dd', { text: (p.zones ?? []).map((z) => z.name + (z.code === p.home_zone?.code ? ' (base)' : '')).join(', ') || '—' }),
        h('dt', { text: 'Certifications' }),
        h('dd', {}, (p.certifications ?? []).length ? h('ul', { class: 'prof-plain' }, p.certifications.map((c) => h('li', { class: 'prof-cert' },
          h('span', { class: 'grow' }, h('strong', { text: c.title }), h('br'), [c.issuer, c.obtained_on ? 'obtenue le ' + formatDate(Date.parse(c.obtained_on + 'T12:00:00Z')).replace(/^\S+ /, '') : null].filter(Boolean).join(' · ')),
          c.pending ? h('span', { class: 'badge pending', text: 'en attente' }) : h('button', {
            class: 'btn ghost danger small', type: 'button', 'aria-label': `Retirer la certification « ${c.title} »`,
            onclick: () => save('profile', { method: 'PUT', path: '/provider/profile', body: { remove_certification_ids: [c.id] }, title: `Certification retirée : ${c.title}` },
              (prof) => ({ ...prof, certifications: prof.certifications.filter((x) => x.id !== c.id) })),
          }, icon('trash'))))) : '—'),
        p.member_since ? h('dt', { text: 'Membre depuis' }) : null, p.member_since ? h('dd', { text: formatDate(p.member_since) }) : null),
      h('div', { class: 'actions' },
        h('button', { class: 'btn', type: 'button', onclick: profileDialog }, h('span', { text: 'Modifier le profil' })),
        h('button', { class: 'btn ghost', type: 'button', onclick: certificationDialog }, icon('plus'), h('span', { text: 'Ajouter une certification' }))));
  }

  function profileDialog() {
    const p = data.profile;
    if (!p) return;
    const mine = new Map((p.services ?? []).map((s) => [s.code, s]));
    const zones = new Set((p.zones ?? []).map((z) => z.code));
    const allZones = [...catalogue.zones, ...(p.zones ?? []).filter((z) => !catalogue.zones.some(([c]) => c === z.code)).map((z) => [z.code, z.name])];
    const allServices = [...catalogue.services, ...(p.services ?? []).filter((s) => !catalogue.services.some(([c]) => c === s.code)).map((s) => [s.code, s.name])];
    const money = (name, value) => h('input', { name, type: 'number', inputmode: 'numeric', min: '0', step: '100', value: value ? String(value) : '' });
    dialog('Modifier le profil', [
      field('Nom affiché', h('input', { name: 'name', required: true, autocomplete: 'name', value: p.name ?? '' })),
      field('E-mail', h('input', { name: 'email', type: 'email', autocomplete: 'email', value: p.email ?? '' })),
      field('Présentation', h('textarea', { name: 'bio', maxlength: '1000', rows: '5', text: p.bio ?? '' }), 'Votre expérience, vos points forts, vos conditions.'),
      h('fieldset', {}, h('legend', { text: 'Spécialités et tarifs indicatifs (FCFA)' }),
        allServices.map(([code, name]) => h('div', { class: 'prof-service' },
          check(name, { name: 'service', value: code, checked: mine.has(code) }),
          h('div', { class: 'prof-rates' },
            field('Dès', money('min-' + code, mine.get(code)?.rate_min)),
            field('Jusqu’à', money('max-' + code, mine.get(code)?.rate_max)))))),
      h('fieldset', {}, h('legend', { text: 'Quartiers d’intervention' }),
        allZones.map(([code, name]) => check(name, { name: 'zone', value: code, checked: zones.has(code) }))),
      field('Quartier de base', h('select', { name: 'home_zone' }, allZones.map(([code, name]) => h('option', { value: code, selected: code === p.home_zone?.code, text: name })))),
    ], async (form) => {
      const values = new FormData(form);
      const name = String(values.get('name') ?? '').trim();
      if (!name) return 'Indiquez votre nom.';
      const services = values.getAll('service').map(String);
      const zoneCodes = values.getAll('zone').map(String);
      if (!services.length) return 'Choisissez au moins une spécialité.';
      if (!zoneCodes.length) return 'Choisissez au moins un quartier.';
      const homeZone = String(values.get('home_zone'));
      if (!zoneCodes.includes(homeZone)) return 'Le quartier de base doit faire partie de vos quartiers.';
      const rates = [];
      for (const code of services) {
        const min = values.get('min-' + code) === '' ? null : Number(values.get('min-' + code));
        const max = values.get('max-' + code) === '' ? null : Number(values.get('max-' + code));
        if (min != null && max != null && min > max) return 'Un tarif minimum dépasse le maximum.';
        const rate = { service_code: code };
        if (min != null) rate.rate_min = Math.round(min);
        if (max != null) rate.rate_max = Math.round(max);
        rates.push(rate);
      }
      const body = { name, bio: String(values.get('bio') ?? '').trim(), services, zones: zoneCodes, home_zone: homeZone, rates };
      const email = String(values.get('email') ?? '').trim();
      if (email && email !== p.email) body.email = email;
      const zoneName = (code) => allZones.find(([c]) => c === code)?.[1] ?? code;
      await save('profile', { method: 'PUT', path: '/provider/profile', body, title: 'Profil modifié' }, (prof) => ({
        ...prof, name, bio: body.bio, email: email || prof.email,
        zones: zoneCodes.map((code) => ({ code, name: zoneName(code) })), home_zone: { code: homeZone, name: zoneName(homeZone) },
        services: rates.map((r) => ({ code: r.service_code, name: allServices.find(([c]) => c === r.service_code)?.[1] ?? r.service_code, rate_min: r.rate_min ?? null, rate_max: r.rate_max ?? null })),
      }));
    });
  }

  function certificationDialog() {
    dialog('Ajouter une certification', [
      field('Intitulé', h('input', { name: 'title', required: true })),
      field('Organisme', h('input', { name: 'issuer' })),
      field('Obtenue le', h('input', { name: 'obtained_on', type: 'date', max: doualaDay(Date.now()) })),
    ], async (form) => {
      const values = new FormData(form);
      const cert = { title: String(values.get('title') ?? '').trim() };
      if (!cert.title) return 'Indiquez l’intitulé.';
      if (values.get('issuer')) cert.issuer = String(values.get('issuer')).trim();
      if (values.get('obtained_on')) cert.obtained_on = String(values.get('obtained_on'));
      await save('profile', { method: 'PUT', path: '/provider/profile', body: { add_certifications: [cert] }, title: `Certification ajoutée : ${cert.title}` },
        (prof) => ({ ...prof, certifications: [...(prof.certifications ?? []), { ...cert, id: 'local-' + Date.now(), pending: true }] }));
    }, 'Ajouter');
  }

  return { renderProfile };
}
