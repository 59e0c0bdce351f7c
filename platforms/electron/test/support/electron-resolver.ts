/** Module resolution hook: the specifier `electron` becomes the test double. */
const DOUBLE = new URL('./electron-double.ts', import.meta.url).href;

export async function resolve(
  specifier: string,
  context: unknown,
  nextResolve: (specifier: string, context: unknown) => Promise<unknown>,
): Promise<unknown> {
  if (specifier === 'electron') return { url: DOUBLE, shortCircuit: true };
  return nextResolve(specifier, context);
}
