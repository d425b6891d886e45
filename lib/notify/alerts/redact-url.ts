// Webhook and ping URLs carry their token in the path or the query
// (hooks.slack.com/services/T…/B…/secret, hc-ping.com/<uuid>): a URL is shown as its
// scheme and host only, everywhere pgbak writes it (log, stderr, --json).

/** `https://hooks.slack.com/services/***`: scheme, host and port, and `/***` when anything followed. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const rest = `${parsed.pathname === '/' ? '' : parsed.pathname}${parsed.search}${parsed.hash}`;
    const user = parsed.username !== '' || parsed.password !== '' ? '***@' : '';
    return `${parsed.protocol}//${user}${parsed.host}${rest === '' ? '' : firstSegment(parsed.pathname)}`;
  } catch {
    return '***';
  }
}

// The first path segment names the service's endpoint (services, api, ping) and is
// no secret when short and made of letters; anything else is hidden with the rest.
function firstSegment(pathname: string): string {
  const first = pathname.split('/')[1] ?? '';
  return /^[a-z]{1,12}$/i.test(first) && pathname.length > first.length + 1 ? `/${first}/***` : '/***';
}

/**
 * The parts of a URL that may be secret, for the logger's redactor (an error message
 * that quotes the URL is masked too): the whole URL, its path and query when long
 * enough to be a token, and the userinfo.
 */
export function urlSecrets(url: string): string[] {
  const secrets = [url];
  try {
    const parsed = new URL(url);
    const rest = `${parsed.pathname}${parsed.search}`;
    if (rest.length >= 8) secrets.push(rest);
    for (const part of parsed.pathname.split('/').concat(parsed.search.slice(1).split('&'))) if (part.length >= 16) secrets.push(part);
    if (parsed.password !== '') secrets.push(decodeURIComponent(parsed.password));
  } catch {
    // not a URL: the whole text is the secret
  }
  return secrets;
}
