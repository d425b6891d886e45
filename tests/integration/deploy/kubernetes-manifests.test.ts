// deploy/kubernetes: the kustomize base and the example overlay render with
// `kubectl kustomize`, every object is valid against the Kubernetes API schema (offline:
// kubernetes-models, Kubernetes v1.36) with no field the API does not know, and the
// manifests keep the promises docs/fleet.md makes: secrets referenced, never inlined;
// one run at a time; non-root, read-only, no capabilities; no volume but scratch
// (storage is S3); the profile the backup job names exists in the ConfigMap and loads.
// No cluster here: what the API server, the kubelet and the controllers do is not run
// (tests/integration/deploy/kubernetes-pods.test.ts runs the containers' commands).
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { repoRoot, runCli } from '../../support/cli.js';
import { expectValidRules, itWithPromtool } from '../../support/promtool.js';
import {
  containerEnv,
  expandReferences,
  findUnknownFields,
  kubectlStatus,
  kustomizeBuild,
  parseManifests,
  podSpecs,
  validateAgainstSchema,
  type Container,
  type KubeObject,
} from '../../support/kubernetes.js';

const deploy = path.join(repoRoot, 'deploy', 'kubernetes');
const base = path.join(deploy, 'base');
const overlay = path.join(deploy, 'overlays', 'example');
const restoreJob = path.join(deploy, 'jobs', 'restore-database.yaml');

const kubectl = kubectlStatus();
if (!kubectl.ok) {
  // Debian's own kubectl (kubernetes-client, 1.20) carries kustomize 2.0, too old for these
  // manifests: where no newer kubectl is installed, the rendering tests cannot run.
  console.warn(`deploy/kubernetes: ${kubectl.reason}: the tests that render the manifests with kubectl kustomize are skipped (install kubectl 1.27 or later)`);
}
const describeWithKubectl = kubectl.ok ? describe : describe.skip;

const allContainers = (spec: { initContainers?: Container[]; containers: Container[] }) => [...(spec.initContainers ?? []), ...spec.containers];
const SECRET_NAME = /PASSWORD|PASSPHRASE|SECRET|TOKEN|PRIVATE|(^|_)KEY($|_)/i;
const SECRET_TEXT = /AGE-SECRET-KEY-1|BEGIN [A-Z ]*PRIVATE KEY|aws_secret_access_key/i;

/** Every resource file a kustomization lists (not its patches or generator inputs), parsed. */
function resourcesAsWritten(dir: string): KubeObject[] {
  const kustomization = parse(readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')) as { resources?: string[] };
  return (kustomization.resources ?? [])
    .filter((entry) => entry.endsWith('.yaml'))
    .flatMap((file) => parseManifests(readFileSync(path.join(dir, file), 'utf8'), path.join(dir, file)));
}

describe('deploy/kubernetes as written (no kubectl needed)', () => {
  it('every resource file of the base and the overlay, and the restore Job, is valid against the API schema, with no unknown field', async () => {
    const objects = [...resourcesAsWritten(base), ...resourcesAsWritten(overlay), ...parseManifests(readFileSync(restoreJob, 'utf8'), restoreJob)];
    expect(objects.map((o) => `${o.kind}/${o.metadata.name ?? o.metadata.generateName}`).sort()).toEqual([
      'CronJob/pgbak-backup',
      'CronJob/pgbak-prune',
      'CronJob/pgbak-verify',
      'Job/pgbak-restore-',
      'Namespace/pgbak',
      'ServiceAccount/pgbak',
    ]);
    for (const object of objects) await validateAgainstSchema(object);
    expect(findUnknownFields(objects)).toEqual([]);
  });

  it('the checks refuse a misspelt field and a value outside an enum (they would catch a broken manifest)', async () => {
    const [cronJob] = resourcesAsWritten(base).filter((o) => o.kind === 'CronJob');
    const typo = JSON.parse(JSON.stringify(cronJob).replace('"concurrencyPolicy"', '"concurencyPolicy"')) as KubeObject;
    expect(findUnknownFields([typo])).toEqual([expect.stringMatching(/^CronJob pgbak-\w+: "concurencyPolicy": "Forbid",? — Object literal may only specify known properties/)]);
    const deep = JSON.parse(JSON.stringify(cronJob).replace('"readOnlyRootFilesystem"', '"readonlyRootFilesystem"')) as KubeObject;
    expect(findUnknownFields([deep]).join('\n')).toContain('readonlyRootFilesystem');
    const badEnum = JSON.parse(JSON.stringify(cronJob).replace('"Forbid"', '"Forbidden"')) as KubeObject;
    await expect(validateAgainstSchema(badEnum)).rejects.toThrow(/concurrencyPolicy must be equal to one of the allowed values/);
  });
});

describeWithKubectl(`deploy/kubernetes rendered by kubectl kustomize (kustomize ${kubectl.ok ? kubectl.kustomize : '-'})`, () => {
  let baseObjects: KubeObject[];
  let overlayObjects: KubeObject[];
  beforeAll(() => {
    baseObjects = kustomizeBuild(base);
    overlayObjects = kustomizeBuild(overlay);
  });

  const both = () => [
    ['base', baseObjects],
    ['overlay', overlayObjects],
  ] as const;
  // The one-off restore Job runs beside the overlay's objects (its namespace, its ConfigMap).
  const withRestoreJob = () => [...overlayObjects, ...parseManifests(readFileSync(restoreJob, 'utf8'), restoreJob)];

  it('renders the base and the overlay into objects that are valid against the API schema, with no unknown field', async () => {
    for (const [, objects] of both()) {
      for (const object of objects) await validateAgainstSchema(object);
      expect(findUnknownFields(objects)).toEqual([]);
    }
    expect(overlayObjects.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'ConfigMap', 'CronJob', 'CronJob', 'CronJob', 'Namespace', 'ServiceAccount']);
  });

  it('fails to render when a patch names a CronJob the base does not have (a broken overlay fails here, not at kubectl apply)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pgbak-kustomize-'));
    try {
      cpSync(deploy, dir, { recursive: true });
      const patch = path.join(dir, 'overlays', 'example', 'schedule-backup.yaml');
      writeFileSync(patch, readFileSync(patch, 'utf8').replace('name: pgbak-backup', 'name: pgbak-bakup'));
      expect(() => kustomizeBuild(path.join(dir, 'overlays', 'example'))).toThrow(/pgbak-bakup/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('holds no Secret and no secret value: passwords and keys are referenced (secretKeyRef, secretRef, a Secret volume)', () => {
    for (const [, objects] of [...both(), ['restore job', withRestoreJob()] as const]) {
      expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
      for (const map of objects.filter((o) => o.kind === 'ConfigMap')) {
        for (const [key, value] of Object.entries(map.data as Record<string, string>)) {
          expect(`${map.metadata.name}: ${key}`).not.toMatch(SECRET_NAME);
          expect(SECRET_TEXT.test(value) ? `${map.metadata.name}: ${key} holds a secret` : '').toBe('');
        }
      }
      for (const { owner, spec } of podSpecs(objects)) {
        for (const container of allContainers(spec)) {
          for (const variable of container.env ?? []) {
            if (SECRET_NAME.test(variable.name)) expect({ owner, variable }).toEqual({ owner, variable: { name: variable.name, valueFrom: { secretKeyRef: expect.any(Object) } } });
          }
        }
      }
    }
    const backup = podSpecs(overlayObjects).find((p) => p.owner === 'pgbak-backup')!.spec;
    expect(backup.containers[0]!.env).toContainEqual({ name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: 'pgbak-database', key: 'password' } } });
    expect(backup.containers[0]!.envFrom).toContainEqual({ secretRef: { name: 'pgbak-s3', optional: true } });
    expect(backup.volumes).toContainEqual(expect.objectContaining({ name: 'keys', secret: expect.objectContaining({ secretName: 'pgbak-keys', optional: true }) }));
  });

  it('runs one job of each kind at a time, within deadlines, keeping a bounded history', () => {
    const cronJobs = overlayObjects.filter((o) => o.kind === 'CronJob');
    expect(cronJobs.map((c) => c.metadata.name).sort()).toEqual(['pgbak-backup', 'pgbak-prune', 'pgbak-verify']);
    for (const cronJob of cronJobs) {
      const spec = cronJob.spec as Record<string, any>;
      expect({ name: cronJob.metadata.name, concurrencyPolicy: spec.concurrencyPolicy }).toEqual({ name: cronJob.metadata.name, concurrencyPolicy: 'Forbid' });
      expect(spec.startingDeadlineSeconds).toBeGreaterThan(0);
      expect(spec.successfulJobsHistoryLimit).toBeGreaterThan(0);
      expect(spec.failedJobsHistoryLimit).toBeGreaterThan(0);
      expect(spec.jobTemplate.spec.backoffLimit).toBeGreaterThanOrEqual(0);
      expect(spec.jobTemplate.spec.activeDeadlineSeconds).toBeGreaterThan(0);
      // pgbak's "bad configuration" and "a check found a problem" are not retried.
      expect(spec.jobTemplate.spec.podFailurePolicy.rules[0]).toEqual({ action: 'FailJob', onExitCodes: { containerName: 'pgbak', operator: 'In', values: [2, 3] } });
    }
  });

  it('runs every container as a non-root user on a read-only root file system, without capabilities, under RuntimeDefault seccomp, with requests and limits', () => {
    for (const [, objects] of [...both(), ['restore job', withRestoreJob()] as const]) {
      for (const { owner, spec } of podSpecs(objects)) {
        expect({ owner, pod: spec.securityContext }).toEqual({ owner, pod: expect.objectContaining({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }) });
        expect(spec.securityContext!.runAsUser).toBeGreaterThan(0);
        expect(spec.automountServiceAccountToken).toBe(false);
        for (const container of allContainers(spec)) {
          const where = `${owner}/${container.name}`;
          expect({ where, securityContext: container.securityContext }).toEqual({
            where,
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          });
          for (const kind of ['requests', 'limits'] as const) {
            expect({ where, kind, cpu: container.resources?.[kind]?.cpu !== undefined, memory: container.resources?.[kind]?.memory !== undefined }).toEqual({ where, kind, cpu: true, memory: true });
          }
        }
        // The one writable place of the main container is an emptyDir at /tmp.
        const tmp = spec.containers[0]!.volumeMounts!.find((m) => m.mountPath === '/tmp')!;
        expect(spec.volumes!.find((v) => v.name === tmp.name)).toEqual(expect.objectContaining({ emptyDir: expect.any(Object) }));
      }
    }
  });

  it('needs no volume but the ConfigMap, scratch emptyDirs and the optional keys Secret (storage is S3: no claim, no host path)', () => {
    for (const { owner, spec } of podSpecs(withRestoreJob())) {
      for (const volume of spec.volumes ?? []) {
        const kinds = Object.keys(volume).filter((key) => key !== 'name');
        expect({ owner, volume: volume.name, kinds }).toEqual({ owner, volume: volume.name, kinds: [expect.stringMatching(/^(configMap|emptyDir|secret)$/)] });
        if (volume.secret) expect(volume.secret.optional).toBe(true);
      }
    }
  });

  it('every ConfigMap and ServiceAccount a pod names is rendered beside it (generated without a hash suffix, so that a one-off Job can name them)', () => {
    for (const [, objects] of [...both(), ['restore job', withRestoreJob()] as const]) {
      const names = new Set(objects.map((o) => `${o.kind}/${o.metadata.name}`));
      for (const { owner, spec } of podSpecs(objects)) {
        expect(names.has(`ServiceAccount/${spec.serviceAccountName}`) ? owner : `${owner}: no ServiceAccount ${spec.serviceAccountName}`).toBe(owner);
        const maps = [
          ...(spec.volumes ?? []).flatMap((v) => (v.configMap ? [v.configMap.name as string] : [])),
          ...allContainers(spec).flatMap((c) => (c.envFrom ?? []).flatMap((e) => (e.configMapRef ? [e.configMapRef.name] : []))),
        ];
        expect(maps.length).toBeGreaterThan(0);
        for (const map of maps) expect(names.has(`ConfigMap/${map}`) ? map : `${owner}: no ConfigMap ${map}`).toBe(map);
      }
    }
  });

  it('the overlay puts everything in its namespace, uses its image everywhere, and merges its settings over the base', () => {
    for (const object of overlayObjects.filter((o) => o.kind !== 'Namespace')) expect(`${object.kind}/${object.metadata.name}: ${object.metadata.namespace}`).toBe(`${object.kind}/${object.metadata.name}: pgbak`);
    const images = new Set(podSpecs(withRestoreJob()).flatMap(({ spec }) => allContainers(spec).map((c) => c.image)));
    expect([...images]).toEqual(['registry.example.com/pgbak:0.1.0-pg14-18']);
    const settings = overlayObjects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'pgbak-settings')!;
    expect(settings.data).toMatchObject({ PGBAK_BUCKET: 'acme-backups', PGBAK_PREFIX: 'pg/db-1/', PGHOST: 'db-1.databases.svc.cluster.local', PGPORT: '5432' });
    const schedules = Object.fromEntries(overlayObjects.filter((o) => o.kind === 'CronJob').map((c) => [c.metadata.name, (c.spec as { schedule: string }).schedule]));
    expect(schedules).toEqual({ 'pgbak-backup': '15 2 * * *', 'pgbak-verify': '0 7 * * 0', 'pgbak-prune': '30 6 * * *' });
  });

  it('the backup job runs a profile of the profiles ConfigMap, and the profile loads with the settings the pods get', async () => {
    for (const [label, objects] of both()) {
      const profiles = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'pgbak-profiles')!;
      const backup = podSpecs(objects).find((p) => p.owner === 'pgbak-backup')!.spec.containers[0]!;
      const env = containerEnv(backup, objects, { 'pgbak-database': { password: 'not-used' } });
      expect(backup.args!.slice(0, 2)).toEqual(['run', 'fleet']);
      expect(Object.keys(profiles.data as object)).toContain(`${backup.args![1]}.yaml`);
      expect(backup.volumeMounts).toContainEqual({ name: 'profiles', mountPath: env.PGBAK_PROFILES_DIR, readOnly: true });

      const dir = mkdtempSync(path.join(os.tmpdir(), 'pgbak-k8s-profiles-'));
      try {
        for (const [file, text] of Object.entries(profiles.data as Record<string, string>)) writeFileSync(path.join(dir, file), text);
        const listed = await runCli(['profiles', '--json'], { env: { ...env, PGBAK_PROFILES_DIR: dir }, cwd: dir });
        expect(listed.exitCode).toBe(0);
        const fleet = (JSON.parse(listed.stdout) as Array<{ name: string; origin: string; description?: string; error?: string }>).find((p) => p.name === 'fleet');
        expect({ label, fleet }).toEqual({ label, fleet: expect.objectContaining({ origin: 'user', description: 'Every database of the server and its globals, to the bucket' }) });
        expect({ label, error: fleet?.error }).toEqual({ label, error: undefined });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it('the verify and prune jobs read the prefix the profile writes to: their $(VAR)s are all in the settings ConfigMap', () => {
    for (const [, objects] of both()) {
      for (const name of ['pgbak-verify', 'pgbak-prune']) {
        const container = podSpecs(objects).find((p) => p.owner === name)!.spec.containers[0]!;
        const env = containerEnv(container, objects, { 'pgbak-database': { password: 'not-used' } });
        const args = container.args!.map((arg) => expandReferences(arg, env));
        expect(args.join(' ')).not.toContain('$(');
        expect(args).toContain(`s3://${env.PGBAK_BUCKET}/${env.PGBAK_PREFIX}`);
      }
    }
  });

  itWithPromtool('the PrometheusRule component carries deploy/prometheus/pgbak-alerts.yml unchanged, and promtool accepts its rules', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pgbak-kustomize-'));
    try {
      cpSync(deploy, dir, { recursive: true });
      const withRules = path.join(dir, 'overlays', 'with-rules');
      cpSync(path.join(dir, 'overlays', 'example'), withRules, { recursive: true });
      const kustomization = path.join(withRules, 'kustomization.yaml');
      // The example overlay's commented lines, uncommented.
      writeFileSync(kustomization, readFileSync(kustomization, 'utf8').replace('  # components:\n  #   - ../../components/prometheus-rule', 'components:\n  - ../../components/prometheus-rule'));
      const objects = kustomizeBuild(withRules);
      const rules = objects.filter((o) => o.kind === 'PrometheusRule');
      expect(rules.map((o) => [o.apiVersion, o.metadata.name, o.metadata.namespace])).toEqual([['monitoring.coreos.com/v1', 'pgbak', 'pgbak']]);
      const alerts = parse(readFileSync(path.join(repoRoot, 'deploy', 'prometheus', 'pgbak-alerts.yml'), 'utf8')) as unknown;
      expect(rules[0]!.spec).toEqual(alerts);
      expect(Object.keys(rules[0]!).sort()).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
      const file = path.join(dir, 'rules.yml');
      writeFileSync(file, stringify(rules[0]!.spec));
      expectValidRules(file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the base lists every file of its folder it means to (a manifest left out of kustomization.yaml is not deployed)', () => {
    const listed = parse(readFileSync(path.join(base, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
    const files = readdirSync(base).filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml');
    expect([...listed.resources].sort()).toEqual(files.sort());
  });
});
