// The UX rules a test can measure in the page, as a WebDriver script returning a list of problems.
/** In the page: sideways scroll, small tap targets, small text, and AAA contrast of visible text. */
export const AUDIT = `
const problems = [];
const doc = document.documentElement;
if (doc.scrollWidth > doc.clientWidth + 1) problems.push('horizontal scroll: ' + doc.scrollWidth + ' > ' + doc.clientWidth);
const visible = (e) => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
  return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none' && !e.closest('[hidden]'); };
const describe = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '') + ' “' + (e.textContent || e.getAttribute('aria-label') || '').trim().slice(0, 30) + '”';
for (const e of document.querySelectorAll('#app a[href], #app button, #app input, #app select, #app textarea, #app summary, #app [role=button], #app [tabindex]:not([tabindex="-1"])')) {
  if (!visible(e) || e.type === 'hidden') continue;
  let target = e;
  if ((e.type === 'checkbox' || e.type === 'radio' || e.type === 'file') && e.closest('label')) target = e.closest('label');
  else if (e.type === 'checkbox' || e.type === 'radio' || e.type === 'file') { if (getComputedStyle(e).opacity === '0' && e.closest('label')) target = e.closest('label'); }
  const r = target.getBoundingClientRect();
  if (r.width < 47.5 || r.height < 47.5) problems.push('tap target ' + Math.round(r.width) + '×' + Math.round(r.height) + ' ' + describe(target));
  if (r.right > doc.clientWidth + 1) problems.push('off screen ' + describe(target));
}
const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null; const p = m[1].split(',').map(Number); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
const background = (e) => { for (let n = e; n; n = n.parentElement) { const c = parse(getComputedStyle(n).backgroundColor); if (c && c.a > 0.5) return c; } return parse(getComputedStyle(document.body).backgroundColor) || { r: 255, g: 255, b: 255, a: 1 }; };
const seen = new Set();
const walker = document.createTreeWalker(document.querySelector('#app'), NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  if (!node.textContent.trim()) continue;
  const e = node.parentElement;
  if (!e || seen.has(e) || !visible(e) || e.closest('svg, .sr-only')) continue;
  seen.add(e);
  const s = getComputedStyle(e);
  if (parseFloat(s.fontSize) < 15.9) problems.push('text ' + s.fontSize + ' ' + describe(e));
  const fg = parse(s.color); const bg = background(e);
  if (fg && bg) { const a = lum(fg), b = lum(bg); const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const large = parseFloat(s.fontSize) >= 24 || (parseFloat(s.fontSize) >= 18.66 && Number(s.fontWeight) >= 700);
    if (ratio < (large ? 4.5 : 7) - 0.01) problems.push('contrast ' + ratio.toFixed(2) + ' ' + describe(e)); }
}
return problems.slice(0, 40);
`;
