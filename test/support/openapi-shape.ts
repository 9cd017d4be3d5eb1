interface OpenApiLike {
  paths: Record<string, unknown>;
  components?: { schemas?: Record<string, unknown> };
}

/**
 * The chat routes of an OpenAPI document (`/api/v1/chat/...`) and every schema they reach, to compare the
 * documents of two apps that serve the library.
 */
export function chatRoutesShape(document: OpenApiLike): { paths: Record<string, unknown>; schemas: Record<string, unknown> } {
  const schemas = document.components?.schemas ?? {};
  const seen = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') {
        const name = child.replace('#/components/schemas/', '');
        if (!seen.has(name)) {
          seen.add(name);
          visit(schemas[name]);
        }
      } else visit(child);
    }
  };
  const paths = Object.fromEntries(Object.entries(document.paths).filter(([path]) => path.startsWith('/api/v1/chat/')));
  visit(paths);
  return { paths, schemas: Object.fromEntries([...seen].sort().map((name) => [name, schemas[name]])) };
}
