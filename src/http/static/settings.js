// chathub settings panel: the person's profile and partner preferences.
// Kept apart from app.js; the two talk through two DOM events:
//   'chathub:frame' (app.js -> here): every frame from the server;
//   'chathub:send'  (here -> app.js): a frame for the server.
// app.js asks `window.chathubPrefs()` for the `prefs` of a search.
// Only textContent and form values are ever set from server data.
(() => {
  'use strict';

  // Words from i18n.js, in the page's language.
  const T = (key, vars) => window.chathubI18n.t(key, vars);

  const INTERESTS = ['music', 'movies', 'games', 'sports', 'books', 'travel', 'tech', 'art',
    'food', 'science', 'anime', 'fitness', 'pets', 'nature', 'photography', 'languages'];
  const GENDERS = ['male', 'female', 'other'];
  const MAX_INTERESTS = 5;

  const $ = (id) => document.getElementById(id);
  const form = $('settings');
  if (!form) return;
  const ui = {
    gender: $('my-gender'), age: $('my-age'), interests: $('my-interests'),
    wantGender: $('want-gender'), ageMin: $('want-age-min'), ageMax: $('want-age-max'),
    shared: $('want-shared'), lang: $('lang'), status: $('settings-status'),
    info: $('search-info'), lastStatus: $('last-chat-status'),
  };

  // Rating and blocking the last partner (the chat has ended).
  const lastSaid = (state, text) => {
    ui.lastStatus.dataset.state = state;
    ui.lastStatus.textContent = text;
  };
  $('rate-up').addEventListener('click', () => send({ type: 'rate', score: 'up' }));
  $('rate-down').addEventListener('click', () => send({ type: 'rate', score: 'down' }));
  $('block').addEventListener('click', () => send({ type: 'block' }));

  function send(frame) {
    document.dispatchEvent(new CustomEvent('chathub:send', { detail: frame }));
  }

  function checkbox(container, name, value) {
    const label = document.createElement('label');
    label.className = 'chip';
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.name = name;
    box.value = value;
    // The name in the page's language; i18n.js renames it on a change.
    const text = document.createElement('span');
    text.dataset.i18n = `${name === 'interest' ? 'interest' : 'gender'}-${value}`;
    text.textContent = T(text.dataset.i18n);
    label.append(box, ' ', text);
    container.append(label);
    return box;
  }
  const interestBoxes = INTERESTS.map((t) => checkbox(ui.interests, 'interest', t));
  const genderBoxes = GENDERS.map((g) => checkbox(ui.wantGender, 'want-gender', g));

  // At most five interests: the rest are disabled once five are ticked.
  function limitInterests() {
    const n = interestBoxes.filter((b) => b.checked).length;
    interestBoxes.forEach((b) => { b.disabled = !b.checked && n >= MAX_INTERESTS; });
  }
  ui.interests.addEventListener('change', limitInterests);

  const ageOf = (input) => {
    const n = Number(input.value);
    return input.value !== '' && Number.isInteger(n) ? n : null;
  };

  // The search preferences as the form says (always sent, so the form is
  // the truth: an empty one means anyone).
  window.chathubPrefs = () => {
    const prefs = {};
    const genders = genderBoxes.filter((b) => b.checked).map((b) => b.value);
    if (genders.length) prefs.gender = genders;
    const lo = ageOf(ui.ageMin), hi = ageOf(ui.ageMax);
    if (lo !== null) prefs.age_min = lo;
    if (hi !== null) prefs.age_max = hi;
    if (ui.lang.value && ui.lang.value !== 'any') prefs.lang = ui.lang.value;
    if (ui.shared.checked) prefs.shared_interest = true;
    return prefs;
  };

  let saving = false; // a save was sent and not yet answered
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    saving = true;
    ui.status.dataset.state = 'saving';
    ui.status.textContent = T('web-saving');
    send({
      type: 'profile',
      gender: ui.gender.value || null,
      age: ageOf(ui.age),
      interests: interestBoxes.filter((b) => b.checked).map((b) => b.value),
    });
  });

  // The stored profile and preferences fill the form.
  function onProfile(f) {
    ui.gender.value = GENDERS.includes(f.gender) ? f.gender : '';
    ui.age.value = Number.isInteger(f.age) ? String(f.age) : '';
    const mine = Array.isArray(f.interests) ? f.interests : [];
    interestBoxes.forEach((b) => { b.checked = mine.includes(b.value); });
    limitInterests();
    const p = f.prefs && typeof f.prefs === 'object' ? f.prefs : {};
    const want = Array.isArray(p.gender) ? p.gender : [];
    genderBoxes.forEach((b) => { b.checked = want.includes(b.value); });
    ui.ageMin.value = Number.isInteger(p.age_min) ? String(p.age_min) : '';
    ui.ageMax.value = Number.isInteger(p.age_max) ? String(p.age_max) : '';
    ui.shared.checked = p.shared_interest === true;
    if (saving) {
      saving = false;
      ui.status.dataset.state = 'saved';
      ui.status.textContent = T('web-saved');
    }
  }

  function onSearching(f) {
    const parts = [];
    if (Number.isInteger(f.waiting)) parts.push(T('web-searching-now', { n: f.waiting }));
    if (Array.isArray(f.relaxed) && f.relaxed.length) {
      const names = f.relaxed.map((r) => T(`web-relaxed-${String(r).replace(/_/g, '-')}`));
      parts.push(T('web-relaxed', { names: names.join(', ') }));
    }
    ui.info.textContent = parts.join(' ');
    ui.info.dataset.waiting = Number.isInteger(f.waiting) ? String(f.waiting) : '';
  }

  // If the connection was ready before this script ran, ask now (a frame
  // sent before `hello` is dropped, and `hello` then asks again).
  send({ type: 'profile' });

  document.addEventListener('chathub:frame', (e) => {
    const f = e.detail;
    // After app.js has taken `hello` (the connection counts as ready then).
    if (f.type === 'hello') queueMicrotask(() => send({ type: 'profile' }));
    else if (f.type === 'profile') onProfile(f);
    else if (f.type === 'searching') onSearching(f);
    else if (f.type === 'rated') lastSaid('rated', T('web-rated'));
    else if (f.type === 'blocked') lastSaid('blocked', T('web-blocked'));
    else if (f.type === 'matched') lastSaid('', '');
    else if (f.type === 'error' && saving && /^(bad_|too_many_)/.test(String(f.code))) {
      saving = false;
      ui.status.dataset.state = 'refused';
      ui.status.textContent = String(f.message || T('web-not-saved'));
    }
  });
})();
