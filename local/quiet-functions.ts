/**
 * Outside the Functions host, `@azure/functions` prints a warning for every registration ("test
 * mode"). They mean nothing on the command line or in the local host, so this module, imported
 * before the registrations, keeps exactly those lines out of the output.
 */
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].startsWith('WARNING:') && /test mode/.test(args[0]))
    return;
  warn(...args);
};
