/** Base of every error this plugin throws on purpose. */
export class GantryError extends Error {
  override name = 'GantryError';
}

/**
 * The handlers or config describe a service that cannot be built. Each problem names the file,
 * class and method it comes from and says how to fix it; all problems are reported at once.
 */
export class GantryBuildError extends GantryError {
  override name = 'GantryBuildError';
  readonly problems: string[];

  constructor(problems: string[], options?: ErrorOptions) {
    const list = problems.map((p) => `  - ${p}`).join('\n');
    super(
      `Gantry cannot build this service (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${list}`,
      options,
    );
    this.problems = problems;
  }
}

// Compares `name` too: `instanceof` fails when two copies of the package are installed.
export function isGantryError(error: unknown): error is GantryError {
  return error instanceof GantryError || (error instanceof Error && /^Gantry\w*Error$/.test(error.name));
}
