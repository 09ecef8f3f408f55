// The page's words. window.CHATHUB_I18N (prepended by the hub, generated
// from its translation files) holds one dictionary per language. The page
// speaks the language saved in localStorage, else the browser's
// (navigator.language), else English; the selector #ui-lang changes and
// saves it. Elements name their message with data-i18n (text) or
// data-i18n-placeholder / -title / -aria-label (attributes); the other
// scripts ask window.chathubI18n.t(key, vars). Text only, never innerHTML.
(() => {
  'use strict';

  const KEY_UI_LANG = 'chathub.uiLang';
  const dicts = window.CHATHUB_I18N || {};
  const ATTRS = ['placeholder', 'title', 'aria-label'];

  function initial() {
    let saved = null;
    try { saved = localStorage.getItem(KEY_UI_LANG); } catch (_) { /* storage off */ }
    if (saved && dicts[saved]) return saved;
    const nav = String(navigator.language || 'en').toLowerCase().split(/[-_]/)[0];
    return dicts[nav] ? nav : 'en';
  }

  let lang = initial();
  const listeners = [];

  // `{ $name }` placeholders are filled from `vars`; a missing message falls
  // back to English, then to its key.
  function t(key, vars) {
    const own = dicts[lang] || {};
    const en = dicts.en || {};
    let s = own[key] !== undefined ? own[key] : en[key] !== undefined ? en[key] : key;
    if (vars) {
      s = s.replace(/\{ \$(\w+) \}/g, (m, name) => (name in vars ? String(vars[name]) : m));
    }
    return s;
  }

  function apply() {
    document.documentElement.lang = lang;
    for (const el of document.querySelectorAll('[data-i18n]')) {
      el.textContent = t(el.dataset.i18n);
    }
    for (const attr of ATTRS) {
      for (const el of document.querySelectorAll(`[data-i18n-${attr}]`)) {
        el.setAttribute(attr, t(el.getAttribute(`data-i18n-${attr}`)));
      }
    }
    const select = document.getElementById('ui-lang');
    if (select) select.value = lang;
  }

  function setLang(code) {
    if (!dicts[code] || code === lang) return;
    lang = code;
    try { localStorage.setItem(KEY_UI_LANG, code); } catch (_) { /* storage off */ }
    apply();
    for (const f of listeners) f(lang);
  }

  window.chathubI18n = {
    t,
    lang: () => lang,
    setLang,
    // Scripts that wrote text themselves redraw it on a change.
    onChange: (f) => listeners.push(f),
  };

  const select = document.getElementById('ui-lang');
  if (select) select.addEventListener('change', () => setLang(select.value));
  apply();
})();
