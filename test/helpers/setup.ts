// The action runs on Node 24 (action.yml: node24). `npm test` gets it from the `node`
// devDependency, whose binary npm puts first on PATH; refuse to test on anything else.
const major = Number(process.versions.node.split('.')[0]);
if (major !== 24) {
  throw new Error(`Tests must run on Node 24, the action's runtime, not ${process.version}. Run them with \`npm test\`.`);
}

// When the tests themselves run inside a GitHub Actions step, keep code under test from
// writing to that step's real output, state, env or summary files.
for (const name of Object.keys(process.env)) {
  if (/^(GITHUB_(OUTPUT|STATE|ENV|PATH|STEP_SUMMARY)|STATE_|INPUT_)/.test(name)) delete process.env[name];
}
