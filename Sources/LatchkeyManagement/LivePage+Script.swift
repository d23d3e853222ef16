// The live page's script: polls the bounded endpoints once a second and renders the tables
// with textContent only (keys and values are never interpreted as HTML). Lock countdowns tick
// between polls from the server's clock, so a test clock shows its own time.

extension LivePage {
    static let script = """
        'use strict';
        const $ = (id) => document.getElementById(id);
        const lockPage = { cursor: 0, next: 0 };
        let lastLocks = null, lastLocksAt = 0;

        async function get(path) {
          // location.origin never carries user:password@ (fetch refuses URLs with credentials); the
          // browser adds the Basic credentials it used for the page itself.
          const r = await fetch(location.origin + path, { credentials: 'same-origin', cache: 'no-store' });
          if (r.status === 401) throw new Error('log in to see this page (HTTP 401)');
          if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
          return r.json();
        }

        function cell(tr, text, cls) {
          const td = document.createElement('td');
          td.textContent = text;
          if (cls) td.className = cls;
          tr.appendChild(td);
          return td;
        }

        function fill(id, rows, render, empty) {
          const body = $(id).tBodies[0];
          body.replaceChildren();
          if (rows.length === 0) {
            const tr = body.insertRow();
            const td = cell(tr, empty, 'empty');
            td.colSpan = $(id).tHead ? $(id).tHead.rows[0].cells.length : 2;
            return;
          }
          for (const row of rows) render(body.insertRow(), row);
        }

        function duration(ms) {
          if (ms < 0) ms = 0;
          if (ms < 10000) return (ms / 1000).toFixed(1) + ' s';
          const s = Math.floor(ms / 1000);
          if (s < 3600) return Math.floor(s / 60) + 'm ' + (s % 60) + 's';
          if (s < 86400) return Math.floor(s / 3600) + 'h ' + Math.floor((s % 3600) / 60) + 'm';
          return Math.floor(s / 86400) + 'd ' + Math.floor((s % 86400) / 3600) + 'h';
        }

        function rate(r) { return r === undefined ? '' : r.toFixed(1); }

        function card(label, value) {
          const d = document.createElement('div');
          d.className = 'card';
          const b = document.createElement('b');
          b.textContent = value;
          const s = document.createElement('span');
          s.textContent = label;
          d.append(b, s);
          return d;
        }

        function renderState(st) {
          $('node').textContent = st.node + ' · v' + st.version;
          $('uptime').textContent = 'up ' + duration(st.uptime_ms);
          const banner = $('clock-banner');
          banner.hidden = st.clock_is_real_time;
          if (!st.clock_is_real_time) {
            banner.textContent = 'Test clock: server time is ' + new Date(st.clock_ms).toISOString() +
              ' (' + duration(Math.abs(st.clock_ms - st.wall_clock_ms)) +
              (st.clock_ms > st.wall_clock_ms ? ' ahead of' : ' behind') + ' real time)';
          }
          $('summary').replaceChildren(
            card('keys', st.resp.keys), card('locks (keys with TTL)', st.resp.keys_with_ttl),
            card('RESP clients', st.resp.connected_clients), card('commands', st.resp.commands_processed),
            card('AMQP connections', st.amqp.connections), card('queues', st.amqp.queues),
            card('ready', st.amqp.messages_ready), card('unacked', st.amqp.messages_unacknowledged),
            card('publish/s', rate(st.amqp.publish_rate)), card('deliver/s', rate(st.amqp.deliver_rate)));
          const log = st.log;
          fill('log', [
            ['enabled', log.enabled ? 'yes' : 'no'],
            ['last write', log.write_error ? log.write_error : log.last_write_status],
            ['rewrite', log.rewrite_in_progress ? 'in progress' : (log.rewrite_scheduled ? 'scheduled' : 'idle') +
              ' (last: ' + log.last_rewrite_status + ')'],
            ['size', log.current_size + ' bytes (' + log.base_size + ' after the last rewrite)'],
          ], (tr, [k, v]) => { cell(tr, k); cell(tr, v, k === 'last write' && log.write_error ? 'soon' : ''); }, '');
        }

        function renderLocks() {
          if (!lastLocks) return;
          const elapsed = Date.now() - lastLocksAt;
          fill('locks', lastLocks.locks, (tr, l) => {
            cell(tr, l.key, 'key');
            cell(tr, l.value === null ? '(' + l.type + ')' : l.value, 'val');
            const left = l.ttl_ms - elapsed;
            cell(tr, duration(left), left < 5000 ? 'soon' : '');
            cell(tr, new Date(l.expires_at_ms).toISOString());
          }, 'no keys with a TTL on this page');
          $('lock-info').textContent = lastLocks.keys_with_ttl + ' of ' + lastLocks.keys + ' keys have a TTL' +
            (lastLocks.cursor === 0 ? ' · last page' : '');
        }

        async function refreshLocks() {
          const db = encodeURIComponent($('lock-db').value || '0');
          const match = encodeURIComponent($('lock-match').value || '*');
          const data = await get('/api/latchkey/locks?db=' + db + '&cursor=' + lockPage.cursor + '&count=50&match=' + match);
          lockPage.next = data.cursor;
          lastLocks = data;
          lastLocksAt = Date.now();
          renderLocks();
        }

        async function refresh() {
          try {
            const [st, queues, conns, chans] = await Promise.all([
              get('/api/latchkey/state'),
              get('/api/queues?page=1&page_size=50&sort=messages_ready&sort_reverse=true' +
                  '&columns=vhost,name,messages_ready,messages_unacknowledged,consumers,message_stats'),
              get('/api/connections?page=1&page_size=50'),
              get('/api/channels?page=1&page_size=50'),
            ]);
            renderState(st);
            fill('queues', queues.items, (tr, q) => {
              const ms = q.message_stats || {};
              cell(tr, q.vhost); cell(tr, q.name, 'key'); cell(tr, q.messages_ready);
              cell(tr, q.messages_unacknowledged); cell(tr, q.consumers);
              cell(tr, rate((ms.publish_details || {}).rate)); cell(tr, rate((ms.deliver_get_details || {}).rate));
            }, 'no queues');
            $('queue-info').textContent = queues.total_count + ' queues' +
              (queues.total_count > queues.item_count ? ' (the 50 with most ready messages shown)' : '');
            fill('connections', conns.items, (tr, c) => {
              cell(tr, c.user_provided_name || c.name); cell(tr, c.user); cell(tr, c.vhost);
              cell(tr, c.channels); cell(tr, c.state);
            }, 'no AMQP connections');
            fill('channels', chans.items, (tr, c) => {
              cell(tr, c.name); cell(tr, c.prefetch_count || c.global_prefetch_count);
              cell(tr, c.messages_unacknowledged); cell(tr, c.consumer_count);
              cell(tr, c.confirm ? 'confirm' : (c.transactional ? 'tx' : ''));
            }, 'no channels');
            await refreshLocks();
            $('status').textContent = 'live';
            $('status').className = 'pill ok';
          } catch (e) {
            $('status').textContent = e.message;
            $('status').className = 'pill bad';
          }
        }

        $('lock-first').onclick = () => { lockPage.cursor = 0; refreshLocks(); };
        $('lock-next').onclick = () => { lockPage.cursor = lockPage.next; refreshLocks(); };
        $('lock-form').onsubmit = (e) => { e.preventDefault(); lockPage.cursor = 0; refreshLocks(); };
        refresh();
        setInterval(refresh, 1000);
        setInterval(renderLocks, 250);
        """
}
