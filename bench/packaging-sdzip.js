// Zips a folder the way `s layer publish` does (Serverless Devs' fc3 component,
// src/subCommands/layer/index.ts): @serverless-devs/zip given the absolute folder, an output
// folder and file name, and ignoreFiles ['.fcignore'], and no level, so the package's default
// applies (`options.level || 9`: deflate level 9, through archiver and Node's zlib).
//
// node bench/packaging-sdzip.js NODE_PREFIX DIR OUT.zip
// (NODE_PREFIX is where `npm install --prefix` put @serverless-devs/zip.)
'use strict';
const path = require('path');

const [prefix, dir, out] = process.argv.slice(2);
if (!out) {
    console.error('usage: node packaging-sdzip.js NODE_PREFIX DIR OUT.zip');
    process.exit(2);
}
const zip = require(path.join(path.resolve(prefix), 'node_modules', '@serverless-devs', 'zip')).default;
zip({
    codeUri: path.resolve(dir),
    outputFilePath: path.dirname(path.resolve(out)),
    outputFileName: path.basename(out),
    ignoreFiles: ['.fcignore'],
}).then(
    (result) => console.error(`${result.count} entries, ${result.compressedSize} bytes: ${result.outputFile}`),
    (error) => {
        console.error(error);
        process.exit(1);
    },
);
