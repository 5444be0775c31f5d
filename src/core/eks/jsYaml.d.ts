// The part of js-yaml (4.x, which ships no types) the kubeconfig writer uses.
declare module 'js-yaml' {
  export const CORE_SCHEMA: unknown;
  export function load(text: string, options?: { schema?: unknown; filename?: string }): unknown;
  export function dump(value: unknown, options?: { schema?: unknown; noRefs?: boolean; lineWidth?: number }): string;
}
