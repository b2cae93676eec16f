/** Text made safe inside HTML elements and attribute values (the dashboards and reports). */
export const esc = (s: unknown) =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

/** The look every dashboard page shares (static pages, served pages, the 360 page). */
export const DASHBOARD_STYLE = `body{font-family:system-ui,sans-serif;margin:24px;color:#1d2433;background:#f6f7f9}
header p{color:#5b6577}nav a{margin-right:16px}.grid{display:flex;flex-wrap:wrap;gap:16px}
.card{background:#fff;border-radius:8px;padding:16px;box-shadow:0 1px 3px #0002;flex:1 1 420px}
.card.wide{flex-basis:100%}.kpi .value{font-size:36px;font-weight:600}.meta{color:#5b6577;margin:0 0 8px}
h2{font-size:16px;margin:0 0 4px}.chart{height:320px}table{border-collapse:collapse;width:100%;font-size:13px}
td,th{border-bottom:1px solid #e3e6eb;padding:4px 8px;text-align:left}.empty{color:#5b6577;font-style:italic}`;
