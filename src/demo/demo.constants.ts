/** Injection token: the folder the built demo client is served from. */
export const DEMO_DIRECTORY = Symbol('DEMO_DIRECTORY');
