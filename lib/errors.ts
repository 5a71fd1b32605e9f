// Exit codes shared by every script (documented in README.md).
import type { ErrorCode } from './error-codes.ts';

export type { ErrorCode } from './error-codes.ts';

export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  prereq: 3,
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An expected failure: its message is for people, its exitCode for scripts. */
export class ToolkitError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue = ExitCode.failed,
    readonly hint?: string,
    /** A stable identifier (e.g. IMAGE_PULL) that docs/troubleshooting.md explains; lib/error-codes.ts lists them. */
    readonly code?: ErrorCode,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class UsageError extends ToolkitError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.usage, hint, 'USAGE');
  }
}

export class PrereqError extends ToolkitError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.prereq, hint, 'PREREQ');
  }
}

export class InterruptedError extends ToolkitError {
  constructor(signal = 'SIGINT') {
    super(`interrupted by ${signal}`, ExitCode.interrupted);
  }
}
