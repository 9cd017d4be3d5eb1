/** Deepest nesting of objects and arrays a request body or socket payload may have (the chat's own need 3). */
export const MAX_JSON_DEPTH = 32;

/**
 * Keys refused anywhere in a payload. `JSON.parse` makes `__proto__` an ordinary own property, which
 * class-transformer then skips without a word (so `forbidNonWhitelisted` never sees it), and code that copies
 * such an object with assignment would change its prototype.
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * What is wrong with the shape of a parsed JSON value, or null: nesting deeper than MAX_JSON_DEPTH (class-transformer
 * and class-validator recurse, and 20,000 levels overflow the stack: a 500 instead of a 400) or a forbidden key.
 * Iterative, so that any depth is measured without recursion; it stops at the first problem.
 */
export function jsonShapeProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): string | null {
  if (typeof value !== 'object' || value === null) return null;
  const pending: Array<[node: object, depth: number]> = [[value, 1]];
  const visit = (child: unknown, depth: number): void => {
    if (typeof child === 'object' && child !== null) pending.push([child, depth]);
  };
  while (pending.length > 0) {
    const [node, depth] = pending.pop() as [object, number];
    if (depth > maxDepth) return `The JSON is nested more than ${maxDepth} levels deep`;
    if (Array.isArray(node)) {
      for (const item of node) visit(item, depth + 1);
    } else if (!ArrayBuffer.isView(node) && !(node instanceof ArrayBuffer)) {
      // (Binary attachments of socket.io are bytes, not JSON: nothing inside them to look at.)
      for (const key of Object.keys(node)) {
        if (FORBIDDEN_KEYS.has(key)) return `The field name "${key}" is not allowed`;
        visit((node as Record<string, unknown>)[key], depth + 1);
      }
    }
  }
  return null;
}
