/* global window, document, navigator, fetch, EventSource, DOMParser, location, setTimeout, clearTimeout */
// Progressive enhancement for the settings pages: every page works without this file.
(function () {
  'use strict';
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || '';

  // Wide screens show the menu expanded; phones keep it folded behind the Menu button.
  var menu = document.querySelector('details.menu');
  if (menu && window.matchMedia('(min-width: 48rem)').matches) menu.open = true;

  // After a failed submit, move focus to the error summary, else to the first invalid field.
  var summary = document.querySelector('[data-autofocus]');
  var invalid = document.querySelector('[aria-invalid="true"]');
  if (invalid) invalid.focus();
  else if (summary) summary.focus();

  document.addEventListener('submit', function (e) {
    var f = e.target;
    if (f.dataset && f.dataset.confirm && !window.confirm(f.dataset.confirm + ' ?')) e.preventDefault();
  });

  document.querySelectorAll('[data-copy]').forEach(function (el) {
    el.addEventListener('click', function () {
      if (navigator.clipboard) navigator.clipboard.writeText(el.textContent.trim()).catch(function () {});
    });
  });

  // Parts that only work with script (the CSV file picker) are hidden in the HTML and shown here.
  document.querySelectorAll('[data-js-only]').forEach(function (el) { el.hidden = false; });

  // CSV import: there is no multipart upload; the chosen file's text goes into the textarea.
  document.querySelectorAll('input[type="file"][data-csv-into]').forEach(function (input) {
    input.addEventListener('change', function () {
      var file = input.files && input.files[0];
      var target = document.getElementById(input.dataset.csvInto);
      if (!file || !target || !window.FileReader) return;
      var reader = new window.FileReader();
      reader.onload = function () { target.value = String(reader.result || ''); target.focus(); };
      reader.readAsText(file, 'utf-8');
    });
  });

  /** JSON call to /api/v1 with the session cookie and the CSRF header. */
  function api(method, path, body) {
    return fetch(path, {
      method: method,
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf, accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (r) {
      return r.text().then(function (t) {
        var data = t ? JSON.parse(t) : {};
        if (!r.ok) throw new Error((data.error && data.error.message) || 'HTTP ' + r.status);
        return data;
      });
    });
  }
  window.wakil = { api: api };

  function bubble(log, text, cls) {
    var div = document.createElement('div');
    div.className = 'msg ' + cls;
    div.textContent = text;
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
    return div;
  }

  // Playground: talk to the agent without a real channel.
  document.querySelectorAll('form[data-playground]').forEach(function (form) {
    var log = document.getElementById(form.dataset.playground);
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var input = form.querySelector('textarea, input[name="text"]');
      var text = input.value.trim();
      if (!text) return;
      bubble(log, text, 'out');
      input.value = '';
      var pending = bubble(log, '…', 'in');
      var btn = form.querySelector('button');
      btn.disabled = true;
      api('POST', form.action, { text: text, session_id: form.dataset.session || undefined })
        .then(function (r) {
          var replies = (r.replies || []).map(function (m) { return m.text; });
          pending.textContent = replies.length ? replies.join('\n\n') : '—';
          if (r.session_id) form.dataset.session = r.session_id;
        })
        .catch(function (err) { pending.textContent = err.message; pending.classList.add('error'); })
        .finally(function () { btn.disabled = false; input.focus(); });
    });
  });

  // Live regions: re-fetch this page's [data-live] block when the server says something changed.
  var live = document.querySelector('[data-live]');
  if (live && window.EventSource) {
    var es = new EventSource(live.dataset.live);
    var timer = null;
    es.onmessage = function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var active = document.activeElement;
        if (active && (active.tagName === 'TEXTAREA' || active.tagName === 'INPUT') && active.value) return;
        fetch(location.href, { credentials: 'same-origin' }).then(function (r) { return r.text(); }).then(function (t) {
          var doc = new DOMParser().parseFromString(t, 'text/html');
          var fresh = doc.querySelector('[data-live]');
          if (fresh) live.innerHTML = fresh.innerHTML;
        });
      }, 300);
    };
  }
})();
