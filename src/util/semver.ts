/**
 * The parts of `semver` that start-up paths need (`index` reads every archive's Chart.yaml and sorts
 * versions), required one by one: `import semver from 'semver'` loads all ~50 of its modules and, being
 * an ESM import of CommonJS, has Node scan each for export names first, ~15 ms of every command's
 * start-up; these few cost ~5 ms. Same functions, same behaviour.
 */
import { createRequire } from 'node:module';
import type SemVerClass from 'semver/classes/semver.js';
import type coerceFn from 'semver/functions/coerce.js';
import type compareFn from 'semver/functions/compare.js';
import type parseFn from 'semver/functions/parse.js';
import type validFn from 'semver/functions/valid.js';

const require = createRequire(import.meta.url);

export type SemVer = SemVerClass;
export const SemVer: typeof SemVerClass = require('semver/classes/semver.js');
export const coerce: typeof coerceFn = require('semver/functions/coerce.js');
export const compare: typeof compareFn = require('semver/functions/compare.js');
export const parse: typeof parseFn = require('semver/functions/parse.js');
export const valid: typeof validFn = require('semver/functions/valid.js');
