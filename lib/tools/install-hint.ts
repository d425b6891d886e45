/**
 * What to install to get client tools of a given major, for the platforms people
 * run pgbak on. Pre-10 majors keep their dot where packages do (postgresql-client-9.6)
 * and drop it where they don't (postgresql96).
 */
export function describeInstall(major: number): string {
  const name = String(major);
  const rpm = name.replace('.', '');
  return (
    `install postgresql-client-${name} (Debian/Ubuntu: apt-get install postgresql-client-${name}; ` +
    `RHEL: dnf install postgresql${rpm}; macOS: brew install postgresql@${name}) ` +
    'or point PGBAK_PG_BIN at its bin directory'
  );
}
