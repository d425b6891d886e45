import { constants } from 'node:fs';
import { access, readdir, realpath, stat } from 'node:fs/promises';

/** What a candidate path turned out to be. */
export type PathKind = 'missing' | 'not-a-file' | 'not-executable' | 'executable';

/** The file-system lookups discovery needs; injected so tests can fake a machine. */
export interface ToolFs {
  /** Entry names in a directory; [] when it does not exist or cannot be read. */
  listDir(dir: string): Promise<string[]>;
  inspect(file: string): Promise<PathKind>;
  realpath(file: string): Promise<string>;
}

/** The real file system. On Windows there is no execute bit: any file counts. */
export function createNodeToolFs(platform: NodeJS.Platform = process.platform): ToolFs {
  return {
    async listDir(dir) {
      try {
        return await readdir(dir);
      } catch {
        return [];
      }
    },
    async inspect(file) {
      try {
        const info = await stat(file);
        if (!info.isFile()) return 'not-a-file';
      } catch {
        return 'missing';
      }
      if (platform === 'win32') return 'executable';
      try {
        await access(file, constants.X_OK);
        return 'executable';
      } catch {
        return 'not-executable';
      }
    },
    realpath: (file) => realpath(file),
  };
}
