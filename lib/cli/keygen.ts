import type { CommandModule } from 'yargs';
import { generateKeys } from '../crypto/keygen.js';
import type { CommandContext, GlobalArgs } from './context.js';

/** Flags of `pgbak keygen`. */
export interface KeygenArgs extends GlobalArgs {
  out: string;
}

/** `pgbak keygen --out DIR`: an age identity and recipient, an Ed25519 signing key pair. */
export function keygenCommand(ctx: () => CommandContext): CommandModule<object, KeygenArgs> {
  return {
    command: 'keygen',
    describe: 'Write an age key pair (encryption) and an Ed25519 key pair (signing), 0600, never overwriting',
    builder: (yargs) =>
      yargs
        .option('out', { type: 'string', demandOption: true, describe: 'folder for age.key, age.pub, signing.key, signing.pub (created 0700)' })
        .example('$0 keygen --out /etc/pgbak/keys', 'then put the printed age1… recipient into a profile\'s encryption.ageRecipients') as never,
    handler: async (args) => {
      const { print } = ctx();
      const keys = await generateKeys(args.out);
      if (args.json) return print(JSON.stringify(keys));
      print(
        [
          `age recipient (public, for profiles): ${keys.recipient}`,
          `signing public key: ${keys.signingKeyId}`,
          ...keys.files.map((file) => `wrote ${file}`),
          'keep age.key and signing.key secret and backed up apart from the backups: without age.key no archive encrypted to it can be read',
        ].join('\n'),
      );
    },
  };
}
