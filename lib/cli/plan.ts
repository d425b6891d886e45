import type { CommandModule } from 'yargs';
import { loadRunConfig, type RunConfig } from '../config/run-config.js';
import { PgbakError, toPgbakError } from '../errors.js';
import type { PgbakLogger } from '../log/index.js';
import { formatBytes, quoteArgv } from '../log/index.js';
import type { NativePlanStep, PgDumpPlanStep, Plan, PlannedStorage } from '../plan/types.js';
import { chooseUploadSizes } from '../storage/index.js';
import { describeNotifyEntries } from '../notify/index.js';
import { prepareFleet, prepareRun } from '../run/prepare.js';
import { isPerDatabase, type FleetPlan } from '../plan/compile-fleet.js';
import { shortRecipient } from '../crypto/age/index.js';
import type { CommandContext } from './context.js';
import { toRunConfigInput, withRunOptions, type RunArgs } from './run-options.js';

/** `pgbak plan <profile>`: the dry run. */
export function planCommand(ctx: () => CommandContext): CommandModule<object, RunArgs> {
  return {
    command: 'plan <profile>',
    describe: 'Print the exact commands `run` would execute (password redacted); runs nothing',
    builder: (yargs) => withRunOptions(yargs) as never,
    handler: async (args) => {
      const { logger, print } = ctx();
      const config = await loadRunConfig(toRunConfigInput(args), (message) => logger.warn(message));
      const notify = describeNotifyEntries(config.profile.profile.notify ?? []);
      if (config.servers.length > 1) {
        const servers = await describeServers(config, logger, notify, args.json === true);
        // --json: on a failure the report is the error's details (one object on stdout).
        if (!(args.json && servers.failure)) print(servers.text);
        if (servers.failure) throw servers.failure;
        return;
      }
      if (isPerDatabase(config.profile.profile)) {
        const { fleet, connection } = await prepareFleet({ config }, logger);
        const hasPassword = connection.password !== undefined;
        for (const warning of fleet.warnings) logger.warn(warning);
        print(args.json ? JSON.stringify(fleetJson(fleet, hasPassword)) : describeFleetPlan(fleet, hasPassword, notify));
        return;
      }
      const { plan, connection, sessions } = await prepareRun({ config }, logger);
      await sessions.close();
      const hasPassword = connection.password !== undefined;
      print(args.json ? JSON.stringify(planJson(plan, hasPassword)) : describePlan(plan, hasPassword, notify));
    },
  };
}

// A profile with several servers: each server's plan in turn (a server that cannot be
// asked is said, and the others still planned); exit 0 only when every one was planned.
async function describeServers(config: Readonly<RunConfig>, logger: PgbakLogger, notify: string[], json: boolean): Promise<{ text: string; failure: PgbakError | null }> {
  const concurrency = config.profile.profile.concurrency ?? 1;
  const sections: string[] = [];
  const servers: unknown[] = [];
  const failed: string[] = [];
  for (const server of config.servers) {
    const serverConfig = { ...config, connection: server.connection, outputDir: server.outputDir, storage: server.storage };
    const where = `${server.connection.host}:${server.connection.port}`;
    try {
      const { fleet, connection } = await prepareFleet({ config: serverConfig }, logger);
      const hasPassword = connection.password !== undefined;
      for (const warning of fleet.warnings) logger.warn(`${server.name}: ${warning}`);
      servers.push({ name: server.name, host: server.connection.host, port: server.connection.port, ...fleetJson(fleet, hasPassword) });
      sections.push(`# server ${server.name} (${where})`, describeFleetPlan(fleet, hasPassword, notify), '');
    } catch (error) {
      const failure = toPgbakError(error);
      failed.push(server.name);
      servers.push({ name: server.name, host: server.connection.host, port: server.connection.port, error: { code: failure.code, message: failure.message } });
      sections.push(`# server ${server.name} (${where})`, `cannot plan: ${failure.code}: ${failure.message.split('\n')[0]}`, '');
    }
  }
  const text = json
    ? JSON.stringify({ concurrency, servers })
    : [`servers   ${config.servers.length}: ${config.servers.map((s) => s.name).join(', ')}; at most ${concurrency} archive${concurrency === 1 ? '' : 's'} at a time over all of them`, '', ...sections].join('\n').trimEnd();
  const failure =
    failed.length === 0
      ? null
      : new PgbakError('DATABASES_FAILED', `${failed.length} of ${config.servers.length} servers cannot be planned: ${failed.join(', ')}`, {
          hint: json ? 'details.servers says why for each' : 'the plan above says why for each',
          details: { concurrency, servers },
        });
  return { text, failure };
}

function fleetJson(fleet: FleetPlan, hasPassword: boolean) {
  const { plans, ...rest } = fleet;
  return { ...rest, plans: plans.map((plan) => planJson(plan, hasPassword)) };
}

// The settings once (they are the profile's), then each archive: where it goes and its commands.
function describeFleetPlan(fleet: FleetPlan, hasPassword: boolean, notify: string[]): string {
  const [first] = fleet.plans;
  if (!first) return '';
  const lines = [
    ...describeSettings(first, notify),
    `archives  ${fleet.plans.length}, one per database${first.fleet?.globals ? ' and one for the globals' : ''}; ${fleet.concurrency} at a time` +
      `${fleet.concurrency < fleet.requestedConcurrency ? ` (concurrency ${fleet.requestedConcurrency} lowered)` : ''}, up to ${fleet.connectionsPerArchive} server connections each, maxConnections ${fleet.maxConnections}`,
  ];
  for (const plan of fleet.plans) {
    lines.push('', `## ${plan.fleet?.globals ? 'globals' : plan.databases[0]}`, ...describeArchive(plan), ...describeSteps(plan, hasPassword));
  }
  return lines.join('\n');
}

function planJson(plan: Plan, hasPassword: boolean) {
  return {
    ...plan,
    steps: plan.steps.map((step) =>
      step.engine === 'native'
        ? step
        : {
            ...step,
            env: { ...step.env, ...(hasPassword ? { PGPASSWORD: '<redacted>' } : {}) },
            argv: [step.tool.path, ...runtimeArgs(step)],
          },
    ),
  };
}

function describePlan(plan: Plan, hasPassword: boolean, notify: string[] = []): string {
  const [server, ...settings] = describeSettings(plan, notify);
  return [server!, ...describeArchive(plan), ...settings, '', ...describeSteps(plan, hasPassword)].join('\n');
}

// The profile line, the server line, then what holds for every archive of the profile.
function describeSettings(plan: Plan, notify: string[]): string[] {
  const c = plan.connection;
  return [
    `profile   ${plan.profile.name} (${plan.profile.origin}: ${plan.profile.file})\nserver    ${c.host}:${c.port} as ${c.user}, database ${c.database}, PostgreSQL ${plan.server.text}`,
    `rows      ${plan.rowCounts === 'off' ? 'not counted' : `${plan.rowCounts} counts`}`,
    `verify    ${plan.verify ? 'yes: restore-test into a scratch database after the run' : 'no'}`,
    `retention ${plan.retention ? describeRetention(plan.retention) : 'none: every backup is kept'}`,
    `signing   ${plan.signing ? `${plan.signing.algorithm}, key ${plan.signing.keyId} (${plan.signing.keyFile}): the manifest's signature goes in manifest.json.sig` : 'no: archives are not signed'}`,
    ...(notify.length > 0 ? notify.map((line, i) => `${i === 0 ? 'notify   ' : '         '} ${line}`) : []),
  ];
}

// Where the archive goes, and how it is encrypted.
function describeArchive(plan: Plan): string[] {
  return [
    ...plan.storage.flatMap((where, i) => [
      `${i === 0 ? 'archive  ' : '         '} ${where.kind === 'local' ? `${where.dir}/${plan.archiveName}` : `s3://${where.bucket}/${where.prefix}${plan.archiveName}`}`,
      ...(where.kind === 's3' ? [`            ${describeUpload(where)}`] : []),
    ]),
    ...(plan.encryption ? [`encrypt   ${describeEncryption(plan)}`] : []),
  ];
}

function describeSteps(plan: Plan, hasPassword: boolean): string[] {
  const lines: string[] = [];
  plan.steps.forEach((step, i) => {
    const split = step.engine === 'native' && step.options.layout === 'split' && step.output.type === 'stream';
    const target = split && step.output.type === 'stream'
      ? `-> ${step.output.entry.replace(/\.sql$/, '/')}* (split layout)`
      : step.output.type === 'stream' ? `-> ${step.output.entry}${step.output.compress ? '' : ' (stored)'}` : `-> ${step.output.prefix}*`;
    lines.push(`# ${i + 1}. ${step.step}: ${step.kind}${step.database === null ? '' : ` of ${step.database}`} ${target}`);
    if (step.engine === 'native') {
      lines.push(describeNative(step));
      return;
    }
    const env = Object.entries({ ...step.env, ...(hasPassword ? { PGPASSWORD: '<redacted>' } : {}) }).map(([k, v]) => `${k}=${quoteArgv([v])}`);
    lines.push(`${env.join(' ')} ${quoteArgv([step.tool.path, ...runtimeArgs(step)])}`);
  });
  return lines;
}

// How a bucket's copy is uploaded: the part size and why, the queue, memory, class, encryption.
function describeUpload(where: Extract<PlannedStorage, { kind: 's3' }>): string {
  const sizes = where.upload ?? chooseUploadSizes(where, null);
  const why =
    where.partSize !== undefined ? 'set by the profile'
    : sizes.estimatedBytes === null ? 'default: the database size is unknown'
    : `for ${formatBytes(sizes.estimatedBytes)} of databases: parts hold at least twice that`;
  return [
    `parts of ${formatBytes(sizes.partSize)} (${why}), at most ${sizes.maxParts}: up to ${formatBytes(sizes.maxObjectBytes)}`,
    `${sizes.queueSize} at once, up to ${formatBytes(sizes.memoryBytes)} in memory`,
    `storage class ${where.storageClass ?? "the bucket's default"}`,
    `encryption at rest ${where.sse === undefined ? "the bucket's default" : where.sse === 'aws:kms' ? `SSE-KMS (aws:kms${where.kmsKeyId ? `, key ${where.kmsKeyId}` : ', the default key'})` : 'SSE-S3 (AES256)'}`,
  ].join('; ');
}

function describeRetention(policy: NonNullable<Plan['retention']>): string {
  const rules = Object.entries(policy).filter(([, n]) => n !== undefined && n > 0).map(([rule, n]) => `${rule} ${n}`);
  return rules.length > 0 ? rules.join(', ') : 'none: every backup is kept';
}

function describeNative(step: NativePlanStep): string {
  const what =
    step.database === null
      ? 'roles, memberships, settings and tablespaces from the catalog'
      : `catalog and COPY data in one snapshot, ${step.options.jobs} job${step.options.jobs === 1 ? '' : 's'}${step.options.statistics ? ', optimizer statistics' : ''}`;
  const why = step.reason === null ? 'asked for' : step.reason;
  return `pgbak native engine (${what}); why: ${why}`;
}

// The arguments only known at run time, shown as placeholders.
function runtimeArgs(step: PgDumpPlanStep): string[] {
  return [
    ...step.args,
    ...(step.snapshot ? ['--snapshot=<exported at run time>'] : []),
    ...(step.output.type === 'directory' ? ['--file=<private temp dir>'] : []),
  ];
}

// Recipients are public keys, shown short; a passphrase only by where it comes from.
function describeEncryption(plan: Plan): string {
  const encryption = plan.encryption;
  if (!encryption) return 'no';
  if (encryption.kind === 'age-passphrase') return `age, to a passphrase (scrypt) from the ${encryption.source}`;
  return `age, to ${encryption.recipients.length} recipient(s): ${encryption.recipients.map(shortRecipient).join(', ')}`;
}
