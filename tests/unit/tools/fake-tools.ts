import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A temp dir tree for fake client tools; `remove()` deletes it. */
export interface FakeToolDirs {
  root: string;
  /** Creates `<root>/<dir>/<name>` as a shell script printing `output` and exiting with `exitCode`. */
  addTool(dir: string, name: string, output: string, exitCode?: number): Promise<string>;
  addFile(dir: string, name: string, content: string, mode: number): Promise<string>;
  addLink(dir: string, name: string, target: string): Promise<string>;
  remove(): Promise<void>;
}

export async function createFakeToolDirs(): Promise<FakeToolDirs> {
  const root = await mkdtemp(path.join(tmpdir(), 'pgbak-tools-'));
  const dirOf = async (dir: string) => {
    const full = path.join(root, dir);
    await mkdir(full, { recursive: true });
    return full;
  };
  const addFile = async (dir: string, name: string, content: string, mode: number) => {
    const file = path.join(await dirOf(dir), name);
    await writeFile(file, content);
    await chmod(file, mode);
    return file;
  };
  return {
    root,
    addFile,
    addTool: (dir, name, output, exitCode = 0) =>
      addFile(dir, name, `#!/bin/sh\nprintf '%s\\n' '${output.replace(/'/g, `'\\''`)}'\nexit ${exitCode}\n`, 0o755),
    async addLink(dir, name, target) {
      const file = path.join(await dirOf(dir), name);
      await symlink(target, file);
      return file;
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
