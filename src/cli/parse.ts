import { type Command, CommanderError, InvalidArgumentError } from 'commander';

/**
 * Parses a command's arguments with commander (help, typed options, errors that name the bad
 * option and suggest the right one) without ever exiting the process: returns the options and
 * positional arguments, or the exit code to return (0 after --help, 2 for a usage error).
 */
export function parseWith<O>(cmd: Command, argv: string[]): { opts: O; args: string[] } | { exit: number } {
  cmd
    .exitOverride()
    .showHelpAfterError('(run with --help for the options)')
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
    });
  try {
    cmd.parse(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return { exit: err.exitCode === 0 ? 0 : 2 };
    throw err;
  }
  return { opts: cmd.opts() as O, args: cmd.args };
}

/** An option value that must be a whole number in a range; commander reports the error. */
export function intOption(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
    }
    return n;
  };
}
