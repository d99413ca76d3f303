// imgfed status page: polls /status.json once a second and redraws. Text goes in with textContent only.
(function () {
  'use strict';
  var TOKEN_KEY = 'imgfed.token';

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'class') { e.className = attrs[k]; } else if (k === 'text') { e.textContent = attrs[k]; }
      else { e.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { e.appendChild(c); } });
    return e;
  }

  function bytes(n) {
    if (n == null) { return '-'; }
    var u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'], i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n : n.toFixed(1)) + ' ' + u[i];
  }

  function bar(fraction, hot) {
    var pct = Math.max(0, Math.min(100, fraction * 100));
    var fill = el('div', {'class': 'fill'});
    fill.style.width = pct.toFixed(1) + '%';
    var b = el('div', {'class': 'bar' + (hot ? ' hot' : ''), 'data-pct': pct.toFixed(1)}, [fill]);
    b.title = pct.toFixed(1) + '%';
    return b;
  }

  function replace(id, nodes) {
    var target = document.getElementById(id);
    while (target.firstChild) { target.removeChild(target.firstChild); }
    nodes.forEach(function (n) { target.appendChild(n); });
  }

  function render(s) {
    document.getElementById('dc-name').textContent = s.dc;
    document.getElementById('meta').textContent = 'version ' + s.version + ' · ' + s.time;
    replace('dcs', s.dcs.map(function (d) {
      return el('div', {'class': 'dc' + (d.self ? ' self' : ''), 'data-dc': d.name, 'data-status': d.status}, [
        el('div', {}, [el('span', {'class': 'name', text: d.name + ' '}),
                       el('span', {'class': 'status ' + d.status, text: d.status})]),
        el('div', {'class': 'muted', text: d.files + ' files · ' + bytes(d.bytes) + ' · ' + d.images + ' images homed'}),
        el('div', {'class': 'muted', text: d.peer || ''})
      ]);
    }));
    var used = s.store.bytes / Math.max(1, s.store.capacity);
    replace('store', [bar(used, used > 0.9),
      el('div', {'class': 'muted', text: bytes(s.store.bytes) + ' of ' + bytes(s.store.capacity) + ' · ' + s.store.files + ' files'
        + (s.store.reserved ? ' · ' + bytes(s.store.reserved) + ' reserved' : '')})]);
    replace('billing', [el('div', {'class': s.billing.alarm ? 'error' : '', 'id': 'billing-pending',
      text: s.billing.pending + ' events waiting (' + bytes(s.billing.bytes) + ')' + (s.billing.alarm ? ' — over the alarm' : '')}),
      el('div', {'class': 'muted', text: s.billing.kafka ? 'publishing to Kafka' : 'no Kafka configured: events wait here'})]);

    var tbody = document.querySelector('#transfers tbody');
    while (tbody.firstChild) { tbody.removeChild(tbody.firstChild); }
    s.transfers.forEach(function (t) {
      tbody.appendChild(el('tr', {'class': 'transfer', 'data-image': t.image, 'data-state': t.state}, [
        el('td', {'class': 'name', text: t.image}),
        el('td', {text: (t.source || '-') + ' → ' + t.dest}),
        el('td', {}, [bar(t.progress, false), el('span', {'class': 'muted', text: bytes(t.bytes) + ' / ' + bytes(t.size)})]),
        el('td', {'class': 'rate', text: t.state === 'running' ? bytes(t.rate) + '/s' : '-'}),
        el('td', {text: String(t.waiters)}),
        el('td', {text: String(t.attempts)}),
        el('td', {text: t.state + (t.error ? ' (' + t.error + ')' : '')})
      ]));
    });
    document.getElementById('no-transfers').hidden = s.transfers.length > 0;
    document.getElementById('transfers').hidden = s.transfers.length === 0;

    var names = s.dcs.map(function (d) { return d.name; });
    var head = el('tr', {}, [el('th', {text: 'Image'}), el('th', {text: 'Home'}), el('th', {text: 'Size'})]
      .concat(names.map(function (n) { return el('th', {text: n}); })));
    replace('matrix', [el('thead', {}, [head]), el('tbody', {}, s.images.map(function (i) {
      return el('tr', {'data-image': i.uuid}, [el('td', {'class': 'name', text: i.name + ' ' + i.version}),
        el('td', {text: i.home}), el('td', {text: bytes(i.size)})].concat(names.map(function (n) {
          var c = i.dcs[n] || {state: 'absent'};
          var label = c.state === 'pulling' ? 'pulling ' + Math.round((c.progress || 0) * 100) + '%' : c.state;
          return el('td', {'class': 'cell ' + c.state, 'data-dc': n, text: label});
        })));
    }))]);
    document.getElementById('images-total').textContent = s.images_total > s.images.length
      ? '(newest ' + s.images.length + ' of ' + s.images_total + ')' : '';
  }

  function poll() {
    var headers = {'Accept': 'application/json'};
    var token = window.localStorage.getItem(TOKEN_KEY);
    if (token) { headers.Authorization = 'Bearer ' + token; }
    fetch('/status.json', {headers: headers, cache: 'no-store'}).then(function (r) {
      if (r.status === 401) {
        document.getElementById('token-form').hidden = false;
        throw new Error('authentication required');
      }
      if (!r.ok) { return r.json().then(function (e) { throw new Error(e.code + ': ' + e.message); }); }
      return r.json();
    }).then(function (s) {
      document.getElementById('error').hidden = true;
      render(s);
    }).catch(function (err) {
      var e = document.getElementById('error');
      e.textContent = 'Cannot load status: ' + err.message;
      e.hidden = false;
    }).then(function () { window.setTimeout(poll, 1000); });
  }

  document.getElementById('token-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    window.localStorage.setItem(TOKEN_KEY, document.getElementById('token').value);
    document.getElementById('token-form').hidden = true;
  });
  poll();
})();
