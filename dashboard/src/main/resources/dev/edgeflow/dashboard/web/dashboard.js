// The edgeflow dashboard page: loads devices, readings, daily statistics and alerts from the
// JSON API, then keeps them current from the Server-Sent Events stream. Plain JS, no build step;
// the only library is the vendored uPlot (vendor/uplot, see README.md there).
(function () {
  'use strict';

  // Each field on its own scale: pressure (~1000 hPa) would flatten temperature on a shared axis.
  const FIELDS = [
    { name: 'temperature', label: 'Temperature', unit: '°C', color: '#d9534f', scale: 'temperature', side: 3 },
    { name: 'humidity', label: 'Humidity', unit: '%', color: '#2563eb', scale: 'humidity', side: 1 },
    { name: 'pressure', label: 'Pressure', unit: 'hPa', color: '#2e7d32', scale: 'pressure', side: 1 },
  ];
  const MAX_POINTS = 2000;
  const CHART_HEIGHT = 200;
  const MAX_ALERTS = 100;
  const HISTORY = 'hours=24&limit=1000';
  const MIN_SPAN_SECONDS = 300;

  const devices = new Map();   // device id -> { item, card, plot, xs, ys }
  const active = new Map();    // device|field|detector -> alert
  let selected = null;
  let droppedTotal = 0;
  let reloadTimer = null;

  const $ = (selector) => document.querySelector(selector);

  function element(tag, attributes, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      node.setAttribute(name, value);
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  async function getJson(path) {
    const response = await fetch(path, { headers: { Accept: 'application/json' } });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(body.error || (path + ' answered ' + response.status));
      error.status = response.status;
      throw error;
    }
    return body;
  }

  function showError(message) {
    const box = $('#error');
    box.textContent = message;
    box.hidden = !message;
  }

  function format(value, digits) {
    return value === null || value === undefined ? '–' : Number(value).toFixed(digits === undefined ? 1 : digits);
  }

  function deviceUrl(device, resource, query) {
    return 'api/devices/' + encodeURIComponent(device) + '/' + resource + (query ? '?' + query : '');
  }

  // ---- devices and their charts ----

  function ensureDevice(id) {
    let device = devices.get(id);
    if (device) {
      return device;
    }
    const item = element('li', { 'data-device': id, role: 'option', 'aria-selected': 'false', tabindex: '0' });
    item.append(element('span', { class: 'name' }, id), element('span', { class: 'seen' }),
      element('span', { class: 'values' }));
    item.addEventListener('click', () => select(id));
    item.addEventListener('keydown', (event) => { if (event.key === 'Enter') { select(id); } });
    insertSorted($('#devices'), item, id);

    const card = element('div', { class: 'chart', 'data-device': id, 'data-points': '0' });
    const title = element('h3', {}, id + ' ');
    title.append(element('span', { class: 'count' }));
    const plotBox = element('div', { class: 'plot' });
    const empty = element('p', { class: 'empty muted' }, 'No readings in the last 24 hours; new ones appear here live.');
    card.append(title, empty, plotBox);
    insertSorted($('#charts'), card, id);

    device = { item, card, plotBox, plot: null, xs: [], ys: FIELDS.map(() => []) };
    devices.set(id, device);
    device.plot = new uPlot(chartOptions(plotBox), [device.xs, ...device.ys], plotBox);
    updateCounts();
    return device;
  }

  function insertSorted(parent, node, id) {
    const next = Array.from(parent.children).find((child) => child.dataset.device > id);
    parent.insertBefore(node, next || null);
  }

  function plotSize(box) {
    return { width: Math.max(box.clientWidth || 600, 300), height: CHART_HEIGHT };
  }

  function chartOptions(box) {
    return {
      width: plotSize(box).width,
      height: CHART_HEIGHT,
      scales: {
        x: {
          time: true,
          // uPlot widens a lone point's range to 86400 / ms seconds (years, with seconds as the
          // unit): look at the data instead, and show at least the five minutes before the newest
          // point, so that a device that just started fills the chart instead of a sliver of it.
          range: (u, min, max) => {
            const xs = u.data[0];
            if (!xs || !xs.length) {
              const now = Date.now() / 1000;
              return [now - MIN_SPAN_SECONDS, now];
            }
            const last = xs[xs.length - 1];
            return last - xs[0] >= MIN_SPAN_SECONDS ? [min, max] : [last - MIN_SPAN_SECONDS, last + 5];
          },
        },
      },
      series: [{}].concat(FIELDS.map((f) => ({
        label: f.label + ' (' + f.unit + ')',
        stroke: f.color,
        width: 2,
        scale: f.scale,
        spanGaps: true,
        value: (u, v) => format(v),
      }))),
      axes: [{}].concat(FIELDS.map((f, i) => ({
        scale: f.scale,
        side: f.side,
        label: f.unit,
        stroke: f.color,
        grid: { show: i === 0 },
        size: 55,
      }))),
    };
  }

  // Keeps the points sorted by time; a reading that the API and the stream both delivered (it
  // arrived while the page was loading) replaces itself instead of being drawn twice.
  function addPoint(device, reading) {
    const t = Date.parse(reading.timestamp) / 1000;
    if (!Number.isFinite(t)) {
      return;
    }
    const xs = device.xs;
    let lo = 0;
    let hi = xs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (xs[mid] < t) { lo = mid + 1; } else { hi = mid; }
    }
    const replace = lo < xs.length && xs[lo] === t;
    if (!replace) {
      xs.splice(lo, 0, t);
    }
    FIELDS.forEach((f, i) => {
      const value = reading.fields && typeof reading.fields[f.name] === 'number' ? reading.fields[f.name] : null;
      if (replace) { device.ys[i][lo] = value; } else { device.ys[i].splice(lo, 0, value); }
    });
    if (xs.length > MAX_POINTS) {
      const extra = xs.length - MAX_POINTS;
      xs.splice(0, extra);
      device.ys.forEach((ys) => ys.splice(0, extra));
    }
  }

  function redraw(device) {
    const wasEmpty = device.card.getAttribute('data-points') === '0';
    // The attribute shows the plot (CSS hides an empty one), so it is set before sizing.
    device.card.setAttribute('data-points', String(device.xs.length));
    if (wasEmpty && device.xs.length) {
      device.plot.setSize(plotSize(device.plotBox));
    }
    device.plot.setData([device.xs, ...device.ys]);
    device.card.querySelector('.count').textContent = device.xs.length + (device.xs.length === 1 ? ' point' : ' points');
  }

  function showLast(device, reading) {
    device.item.querySelector('.seen').textContent = 'last seen ' + new Date(reading.timestamp).toLocaleString();
    const values = FIELDS.filter((f) => reading.fields && typeof reading.fields[f.name] === 'number')
      .map((f) => format(reading.fields[f.name]) + ' ' + f.unit);
    device.item.querySelector('.values').textContent = values.join(' · ');
  }

  function updateCounts() {
    $('#device-count').textContent = devices.size ? '(' + devices.size + ')' : '';
    $('#devices-empty').hidden = devices.size > 0;
  }

  async function loadDevices() {
    const body = await getJson('api/devices');
    for (const summary of body.devices) {
      const device = ensureDevice(summary.device_id);
      if (summary.last_reading) {
        showLast(device, summary.last_reading);
      }
    }
    updateCounts();
    await Promise.all(body.devices.map((summary) => loadReadings(summary.device_id)));
    if (!selected && body.devices.length) {
      select(body.devices[0].device_id);
    }
  }

  async function loadReadings(id) {
    const body = await getJson(deviceUrl(id, 'readings', HISTORY));
    const device = ensureDevice(id);
    body.readings.forEach((reading) => addPoint(device, reading));
    redraw(device);
  }

  // ---- daily statistics of the selected device ----

  function select(id) {
    selected = id;
    devices.forEach((device, key) => device.item.setAttribute('aria-selected', String(key === id)));
    loadDaily(id).catch((error) => showError(error.message));
  }

  async function loadDaily(id) {
    const body = await getJson(deviceUrl(id, 'daily', 'days=7'));
    if (selected !== id) {
      return;
    }
    $('#daily-device').textContent = id + ', last ' + body.days + ' days (' + body.zone + ')';
    // Newest day first; within a day, fields by name.
    const daily = body.daily.slice().sort((a, b) => (a.day === b.day ? a.field.localeCompare(b.field) : b.day.localeCompare(a.day)));
    const rows = daily.map((d) => {
      const row = element('tr', { 'data-day': d.day, 'data-field': d.field });
      [d.day, d.field, format(d.min), format(d.avg), format(d.max), format(d.stddev, 2), String(d.count)]
        .forEach((text) => row.append(element('td', {}, text)));
      return row;
    });
    $('#daily tbody').replaceChildren(...rows);
  }

  // ---- alerts ----

  function alertKey(alert) {
    return [alert.device_id, alert.field, alert.detector].join('|');
  }

  function alertItem(alert) {
    const item = element('li', {
      'data-device': alert.device_id || '',
      'data-field': alert.field || '',
      'data-state': alert.state || '',
    });
    const when = typeof alert.timestamp === 'number' ? new Date(alert.timestamp * 1000) : new Date(alert.timestamp);
    item.append(element('span', { class: 'when' },
      (isNaN(when) ? '' : when.toLocaleString()) + ' · ' + (alert.device_id || '?') + ' · ' + (alert.detector || '')));
    item.append(element('span', { class: 'state' }, alert.state || 'alert'));
    item.append(element('span', { class: 'reason' }, alert.reason || JSON.stringify(alert)));
    return item;
  }

  function trackActive(alert) {
    if (alert.state === 'raised') {
      active.set(alertKey(alert), alert);
    } else if (alert.state === 'cleared') {
      active.delete(alertKey(alert));
    }
    $('#active-count').textContent = active.size + ' active';
  }

  async function loadAlerts() {
    const body = await getJson('api/alerts');
    active.clear();
    body.active.forEach((alert) => active.set(alertKey(alert), alert));
    $('#active-count').textContent = active.size + ' active';
    $('#alerts').replaceChildren(...body.alerts.map(alertItem));
  }

  function addAlert(alert) {
    const list = $('#alerts');
    list.insertBefore(alertItem(alert), list.firstChild);
    while (list.children.length > MAX_ALERTS) {
      list.lastChild.remove();
    }
    trackActive(alert);
  }

  // ---- the live stream ----

  function scheduleReload() {
    // Events were lost: the store still has the readings, so fetch them again, once.
    if (reloadTimer) {
      return;
    }
    reloadTimer = setTimeout(() => {
      reloadTimer = null;
      Promise.all([loadDevices(), loadAlerts()]).catch((error) => showError(error.message));
    }, 1000);
  }

  function connect() {
    const status = $('#stream-status');
    const source = new EventSource('api/stream');
    source.addEventListener('open', () => {
      status.dataset.state = 'open';
      status.textContent = 'live';
    });
    source.addEventListener('error', () => {
      // EventSource reconnects on its own (the server asks for 3 s); say so meanwhile.
      status.dataset.state = 'error';
      status.textContent = 'reconnecting…';
    });
    source.addEventListener('reading', (event) => {
      const reading = JSON.parse(event.data);
      const device = ensureDevice(reading.device_id);
      addPoint(device, reading);
      redraw(device);
      showLast(device, reading);
    });
    source.addEventListener('alert', (event) => addAlert(JSON.parse(event.data)));
    source.addEventListener('dropped', (event) => {
      droppedTotal += JSON.parse(event.data).dropped;
      const notice = $('#dropped');
      notice.dataset.dropped = String(droppedTotal);
      notice.textContent = droppedTotal + ' live events dropped (page too slow); reloaded from the store';
      notice.hidden = false;
      scheduleReload();
    });
  }

  window.addEventListener('resize', () => {
    devices.forEach((device) => device.plot.setSize(plotSize(device.plotBox)));
  });

  connect();
  Promise.all([loadDevices(), loadAlerts()])
    .then(() => document.body.setAttribute('data-loaded', 'true'))
    .catch((error) => showError('could not load the dashboard: ' + error.message));
})();
