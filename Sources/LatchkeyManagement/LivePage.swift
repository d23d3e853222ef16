// The live page at "/" and its two assets, served from memory (no CDN, nothing fetched from
// elsewhere, so it works offline). The page polls /api/latchkey/state, a page of locks, a page
// of queues and the AMQP connections and channels once a second; each request is bounded
// (paged), so a keyspace of any size costs the same per refresh. Script: LivePage+Script.swift.
import LatchkeyHTTP

extension Router {
    func page() -> HTTPResponse {
        HTTPResponse(status: .ok, contentType: "text/html; charset=utf-8", body: Array(LivePage.html.utf8))
    }

    func asset(_ name: String) -> HTTPResponse {
        switch name {
        case "latchkey.js":
            return HTTPResponse(
                status: .ok, contentType: "text/javascript; charset=utf-8", body: Array(LivePage.script.utf8))
        case "latchkey.css":
            return HTTPResponse(status: .ok, contentType: "text/css; charset=utf-8", body: Array(LivePage.css.utf8))
        default: return ManagementErrors.notFound
        }
    }
}

enum LivePage {
    static let html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Latchkey</title>
        <link rel="stylesheet" href="/static/latchkey.css">
        </head>
        <body>
        <header>
          <h1>Latchkey</h1>
          <span id="node"></span>
          <span id="uptime"></span>
          <span id="status" class="pill">connecting…</span>
        </header>
        <div id="clock-banner" class="banner" hidden></div>
        <section id="summary" class="cards"></section>
        <section>
          <h2>Locks <small>keys with a TTL</small></h2>
          <form id="lock-form" class="controls">
            <label>db <input id="lock-db" type="number" min="0" value="0"></label>
            <label>match <input id="lock-match" type="text" value="*" spellcheck="false"></label>
            <button type="button" id="lock-first">First page</button>
            <button type="button" id="lock-next">Next page</button>
            <span id="lock-info"></span>
          </form>
          <table id="locks"><thead><tr><th>key</th><th>holder (value)</th><th>time left</th><th>expires at</th></tr></thead>
          <tbody></tbody></table>
        </section>
        <section>
          <h2>Queues</h2>
          <span id="queue-info" class="controls"></span>
          <table id="queues"><thead><tr><th>vhost</th><th>name</th><th>ready</th><th>unacked</th><th>consumers</th>
          <th>publish/s</th><th>deliver/s</th></tr></thead><tbody></tbody></table>
        </section>
        <section class="split">
          <div>
            <h2>Connections <small>AMQP</small></h2>
            <table id="connections"><thead><tr><th>name</th><th>user</th><th>vhost</th><th>channels</th><th>state</th></tr></thead>
            <tbody></tbody></table>
          </div>
          <div>
            <h2>Channels</h2>
            <table id="channels"><thead><tr><th>channel</th><th>prefetch</th><th>unacked</th><th>consumers</th><th>mode</th></tr></thead>
            <tbody></tbody></table>
          </div>
        </section>
        <section>
          <h2>Append-only log</h2>
          <table id="log"><tbody></tbody></table>
        </section>
        <footer>Latchkey management · <a href="/api/overview">/api/overview</a> · <a href="/metrics">/metrics</a></footer>
        <script src="/static/latchkey.js"></script>
        </body>
        </html>
        """

    static let css = """
        :root { --fg: #1d2330; --muted: #6b7280; --line: #e3e6eb; --accent: #2f6fde; --warn: #b45309; --bad: #b91c1c; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.4 system-ui, sans-serif; color: var(--fg); background: #f7f8fa; }
        header { display: flex; gap: 1em; align-items: baseline; padding: 12px 20px; background: #1d2330; color: #fff; }
        header h1 { margin: 0; font-size: 20px; }
        header span { color: #c9d1e0; }
        .pill { margin-left: auto; padding: 2px 10px; border-radius: 10px; background: #374151; }
        .pill.ok { background: #15803d; color: #fff; }
        .pill.bad { background: var(--bad); color: #fff; }
        .banner { padding: 8px 20px; background: #fef3c7; color: var(--warn); font-weight: 600; }
        section { margin: 16px 20px; }
        h2 { font-size: 16px; margin: 0 0 6px; }
        h2 small { color: var(--muted); font-weight: normal; }
        .cards { display: flex; flex-wrap: wrap; gap: 10px; }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 120px; }
        .card b { display: block; font-size: 20px; }
        .card span { color: var(--muted); font-size: 12px; }
        table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid var(--line); }
        th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); font-variant-numeric: tabular-nums; }
        th { background: #eef1f5; font-weight: 600; font-size: 12px; }
        td.key, td.val { font-family: ui-monospace, monospace; word-break: break-all; }
        td.soon { color: var(--bad); font-weight: 600; }
        td.empty { color: var(--muted); font-style: italic; }
        .controls { display: flex; gap: 8px; align-items: center; margin-bottom: 6px; color: var(--muted); }
        .controls input { width: 9em; }
        .controls input[type=number] { width: 4em; }
        .split { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
        footer { margin: 20px; color: var(--muted); font-size: 12px; }
        a { color: var(--accent); }
        """
}
