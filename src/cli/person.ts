import type { Command } from 'commander';
import type { ForgetRequest } from '../handlers/privacy-steps';

/** What the person options parse to. */
export interface PersonFlags {
  userId?: string;
  email?: string;
  customerId?: string;
}

/** The options that name one person (`c360 forget`, `c360 export-person`). */
export function personOptions(cmd: Command): Command {
  return cmd
    .option('--user-id <id>', 'the user id as the sources send it')
    .option('--email <address>', 'an email address (matched by its keyed hash)')
    .option('--customer-id <id>', 'the c360 customer id');
}

/** The person the options name, or null (with the usage error written) unless exactly one is given. */
export function personRequest(command: string, o: PersonFlags): ForgetRequest | null {
  if ([o.userId, o.email, o.customerId].filter((v) => v !== undefined).length !== 1) {
    process.stderr.write(
      `${command}: name exactly one person: --user-id ID, --email ADDRESS or --customer-id ID\n`,
    );
    return null;
  }
  return { userId: o.userId, email: o.email, customerId: o.customerId };
}
