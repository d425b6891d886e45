// restore and verify without --verify-key warn "authenticity not checked" (#11 signing): tests
// that assert a restore printed no other warning take that one line out first.

/** `stderr` without pgbak's "authenticity not checked" warning line. */
export function withoutAuthenticityWarning(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => !/^pgbak: warning: authenticity not checked: /.test(line))
    .join('\n');
}
