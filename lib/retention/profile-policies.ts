import { isAbsolute } from 'node:path';
import type { Env } from '../config/env-file.js';
import type { ProfileDirs } from '../config/profile-dirs.js';
import { loadIfPresent } from './output-folder.js';
import type { PolicyChoice } from './prune.js';
import type { BackupInfo } from './scan.js';
import { hasRetention } from './select.js';

/**
 * Looks up each profile's own `retention:` by the name in its backups' manifests
 * (user folder, then built-ins; then the file the manifest recorded, if absolute).
 * A profile without retention, or whose file is gone, keeps everything; an invalid
 * profile file throws (fix it rather than have prune guess).
 */
export function profilePolicies(options: { dirs: ProfileDirs; env: Env; cwd: string; warn?: (message: string) => void }) {
  return async (profile: string, example: BackupInfo): Promise<PolicyChoice> => {
    let loaded = await loadIfPresent(profile, options.dirs, options.env, options.cwd);
    if (!loaded && isAbsolute(example.profileFile)) loaded = await loadIfPresent(example.profileFile, options.dirs, options.env, options.cwd);
    if (!loaded) return { policy: null, source: `profile "${profile}" not found: keeping everything` };
    for (const line of loaded.deprecations ?? []) options.warn?.(line);
    const policy = loaded.profile.retention;
    if (!hasRetention(policy)) return { policy: null, source: `${loaded.file} has no retention: keeping everything` };
    return { policy, source: loaded.file };
  };
}
