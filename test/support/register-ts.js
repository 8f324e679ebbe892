// The one way to run the project's TypeScript outside jest (child processes started by tests,
// `npm run bench:*`, fixture scripts): `node -r ./test/support/register-ts.js file.ts`.
// Each .ts file is compiled on require with @swc/core (the compiler jest already uses) to
// CommonJS for Node 20; type checking stays with `npm run lint`.
const fs = require('node:fs');
const { transformSync } = require('@swc/core');

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = transformSync(source, {
    filename,
    sourceMaps: 'inline',
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
