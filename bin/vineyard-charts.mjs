#!/usr/bin/env node
// The bin's old path, kept so that scripts calling `node bin/vineyard-charts.mjs` keep working. The bin
// is vineyard-charts.cjs (an ES module entry starts ~5 ms later; see there).
import './vineyard-charts.cjs';
